/**
 * The operations of Parley's OpenAPI document, as the generated access-matrix test walks them:
 * every path and method with the permission it declares (`x-parley-permission`), its path
 * parameters, and a minimal valid request body built from its schema.
 */

/** A JSON Schema node as the document carries it. */
type JsonSchema = Record<string, unknown>;

/** One operation of the document. */
export interface Operation {
  method: string;
  /** OpenAPI path, for example `/api/v1/teams/{id}/members/{userId}`. */
  path: string;
  permission: string;
  pathParams: string[];
  /** Query parameters with their schemas; `required` ones must be sent. */
  queryParams: { name: string; required: boolean; schema: JsonSchema }[];
  /** The resolved JSON schema of the body, when it takes one. */
  body: JsonSchema | null;
}

/** The parts of an OpenAPI document the matrix reads. */
export interface Document {
  paths: Record<string, Record<string, JsonSchema>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/**
 * Every operation of `doc` with a declared permission (undocumented routes such as the API
 * reference's own assets carry none and are left out).
 */
export function operationsOf(doc: Document): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const permission = op["x-parley-permission"];
      if (typeof permission !== "string") continue;
      const parameters = (op.parameters ?? []) as {
        in: string;
        name: string;
        required?: boolean;
        schema?: JsonSchema;
      }[];
      const content = (op.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)
        ?.content;
      const schema = content?.["application/json"]?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        permission,
        pathParams: parameters.filter((p) => p.in === "path").map((p) => p.name),
        queryParams: parameters
          .filter((p) => p.in === "query")
          .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} })),
        body: schema ? resolve(doc, schema) : null,
      });
    }
  }
  return out;
}

function resolve(doc: Document, schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.split("/").at(-1) ?? "";
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolvable ${ref}`);
  return resolve(doc, target);
}

/**
 * The smallest value `schema` accepts: required properties only, the first enum value, the
 * shortest string of the right format. Enough to get past validation, so that what answers is
 * the authorization under test, not the body check.
 * @example
 * sampleOf(doc, { type: "object", required: ["name"], properties: { name: { type: "string" } } })
 */
export function sampleOf(doc: Document, node: JsonSchema): unknown {
  const schema = resolve(doc, node);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const parts = (allOf as JsonSchema[]).map((part) => resolve(doc, part));
    return sampleOf(doc, Object.assign({}, rest, ...parts) as JsonSchema);
  }
  for (const key of ["anyOf", "oneOf"]) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const usable = (options as JsonSchema[]).filter((o) => o.type !== "null");
      return sampleOf(doc, usable[0] ?? (options[0] as JsonSchema));
    }
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      // An email whose format the document does not carry (a trimmed, lower-cased input) is named so.
      const field = (name: string) =>
        name === "email" ? { format: "email", ...properties[name] } : (properties[name] ?? {});
      return Object.fromEntries(required.map((name) => [name, sampleOf(doc, field(name))]));
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: min }, () => sampleOf(doc, (schema.items ?? {}) as JsonSchema));
    }
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return false;
    case "string":
      return sampleString(schema);
    default:
      return {};
  }
}

let serial = 0;

function sampleString(schema: JsonSchema): string {
  serial += 1;
  if (schema.format === "email") return `sample-${serial}-${Date.now()}@parley.test`;
  if (schema.format === "uri") return "http://127.0.0.1:9/v1";
  if (schema.format === "date-time") return new Date().toISOString();
  const min = typeof schema.minLength === "number" ? schema.minLength : 1;
  const base = `sample${serial}`;
  return base.length >= min ? base : base.padEnd(min, "x");
}
