import { createHash } from "node:crypto";

/** The answer of the fake upstream when no `text` or `textFor` is configured: exactly 50 words. */
export const DEFAULT_TEXT =
  "Parley's fake upstream answers every request with this same paragraph, so tests, benchmarks and " +
  "offline demos see identical bytes on every run. It streams the words in evenly sized pieces, reports " +
  "usage derived from the input, and can be told to fail in the ways real providers do, entirely offline.";

const splitCache = new Map<string, readonly string[]>();
const SPLIT_CACHE_SIZE = 64;

/**
 * Splits `text` into `count` pieces that concatenate back to `text`, deterministically: whole words
 * (each with the whitespace after it) spread evenly over the pieces; single characters when the
 * text has fewer words than `count`; and one piece per character when it has fewer characters
 * (so an answer never contains an empty delta). Results are memoised, since a benchmark asks for
 * the same split thousands of times.
 * @example
 * splitText("one two three four", 2); // ["one two ", "three four"]
 */
export function splitText(text: string, count: number): readonly string[] {
  const key = `${count}:${text}`;
  const cached = splitCache.get(key);
  if (cached) return cached;
  let units = text.split(/(?<=\s)(?=\S)/u).filter((unit) => unit !== "");
  if (units.length < count) units = Array.from(text);
  const pieces: string[] = [];
  const n = Math.min(count, units.length);
  for (let i = 0; i < n; i++) {
    pieces.push(
      units.slice(Math.floor((i * units.length) / n), Math.floor(((i + 1) * units.length) / n)).join(""),
    );
  }
  if (splitCache.size >= SPLIT_CACHE_SIZE) splitCache.clear();
  splitCache.set(key, pieces);
  return pieces;
}

/**
 * The fake tokenizer: one token per four characters (UTF-16 code units), rounded up.
 * @example
 * countTokens("Hello"); // 2
 */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** A hex SHA-256 of `text`, for deterministic ids. */
export function hashHex(text: string, length = 24): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * A deterministic unit-length embedding of `input`: SHA-256 blocks of the input read as 16-bit
 * values in [-1, 1], normalised, then rounded to float32 so the `float` and `base64` encodings of
 * the same vector agree.
 * @example
 * embed("hello", 8).length; // 8
 */
export function embed(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash("sha256").update(`${block}:${input}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) {
      values.push(digest.readUInt16LE(i) / 32767.5 - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  return values.map((value) => Math.fround(value / norm));
}

/** Encodes a vector the way OpenAI's `encoding_format: "base64"` does: little-endian float32. */
export function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

/** Narrows an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A deterministic value matching a JSON schema, for tool-call arguments and structured output:
 * objects get their `required` properties, strings are `"fake <property>"`, numbers `1`, booleans
 * `true`, arrays `[]`, enums and consts their first value.
 * @example
 * sampleFromSchema({ type: "object", properties: { city: { type: "string" } }, required: ["city"] });
 * // { city: "fake city" }
 */
export function sampleFromSchema(schema: unknown, name = "value", depth = 0): unknown {
  if (!isRecord(schema) || depth > 8) return null;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] as unknown;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return sampleFromSchema(variants[0], name, depth + 1);
  const type: unknown = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((t) => t !== "null")
    : schema.type;
  switch (type) {
    case "string":
      return `fake ${name}`;
    case "number":
    case "integer":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [];
    case "null":
      return null;
    default: {
      if (type !== "object" && !isRecord(schema.properties)) return null;
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : [];
      const result: Record<string, unknown> = {};
      for (const key of required) {
        if (typeof key === "string") result[key] = sampleFromSchema(properties[key], key, depth + 1);
      }
      return result;
    }
  }
}
