import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, readYaml } from "./deploy-support.ts";

/** The parts of a compose service the tests read. */
interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  ports?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

let validate: ValidateFunction;
let compose: ComposeFile;

beforeAll(() => {
  // The Compose Specification's own schema, vendored (deploy/schemas/README.md).
  const schema = JSON.parse(readFileSync(join(ROOT, "deploy/schemas/compose-spec.json"), "utf8")) as object;
  // It names draft-07 by its https address, which Ajv registers under http: the same meta-schema.
  const draft07 = JSON.parse(
    readFileSync(createRequire(import.meta.url).resolve("ajv/dist/refs/json-schema-draft-07.json"), "utf8"),
  ) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addMetaSchema({ ...draft07, $id: "https://json-schema.org/draft-07/schema" });
  validate = ajv.compile(schema);
  compose = readYaml("podman-compose.yml") as ComposeFile;
});

describe("podman-compose.yml", () => {
  it("is valid against the Compose Specification's JSON schema", () => {
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("fails the schema when a field is wrong (the validator can fail)", () => {
    const broken = structuredClone(compose);
    (broken.services.worker as Record<string, unknown>).restart_policy = "always";
    expect(validate(broken)).toBe(false);
    const badType = structuredClone(compose);
    (badType.services.nginx as Record<string, unknown>).ports = "8080:8080";
    expect(validate(badType)).toBe(false);
  });

  it("runs PostgreSQL, NATS with JetStream, Redis, two api replicas, a worker and a load balancer", () => {
    const services = compose.services;
    expect(Object.keys(services).sort()).toEqual(
      ["api-1", "api-2", "migrate", "nats", "nginx", "postgres", "redis", "secrets", "worker"].sort(),
    );
    expect(services["api-1"]?.command).toEqual(["start", "--role", "api"]);
    expect(services["api-2"]?.command).toEqual(["start", "--role", "api"]);
    expect(services.worker?.command).toEqual(["start", "--role", "worker"]);
    expect(services.migrate?.command).toEqual(["migrate"]);
    expect(services.nats?.command).toContain("-js");
    expect(services.nginx?.ports).toEqual(["${PARLEY_HTTP_PORT:-8080}:8080"]);
  });

  it("gives every long-running service a healthcheck and starts Parley only after its services are healthy", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === "secrets" || name === "migrate") {
        expect(service.healthcheck?.disable, name).toBe(true);
        continue;
      }
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
    }
    for (const name of ["api-1", "api-2", "worker"]) {
      expect(compose.services[name]?.depends_on).toEqual({
        migrate: { condition: "service_completed_successfully" },
        nats: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      });
    }
    expect(compose.services.migrate?.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(Object.keys(compose.volumes).sort()).toEqual(
      ["nats-data", "parley-data", "parley-secrets", "postgres-data", "redis-data"].sort(),
    );
  });

  it("balances over exactly the api replicas, with buffering off and hour-long timeouts for event streams", () => {
    const nginx = readFileSync(join(ROOT, "deploy/compose/nginx.conf"), "utf8");
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):8080\b/gm)].map((m) => m[1]);
    const apis = Object.entries(compose.services)
      .filter(([, s]) => s.command?.join(" ") === "start --role api")
      .map(([name]) => name);
    expect(upstreams.sort()).toEqual(apis.sort());
    expect(nginx).toMatch(/^\s*proxy_buffering off;/m);
    expect(nginx).toMatch(/^\s*proxy_cache off;/m);
    for (const directive of ["proxy_read_timeout", "proxy_send_timeout"]) {
      const seconds = Number(new RegExp(`^\\s*${directive} (\\d+)s;`, "m").exec(nginx)?.[1]);
      expect(seconds, directive).toBeGreaterThanOrEqual(3600);
    }
    // Parley believes one proxy hop, so a client's address is its own, not nginx's.
    expect(compose.services["api-1"]?.environment?.PARLEY_TRUST_PROXY).toBe("1");
  });
});
