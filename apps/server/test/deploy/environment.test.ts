import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, settingEnvNames } from "../../src/config/config.ts";
import {
  OVERLAYS,
  ROOT,
  byKind,
  containerEnvironment,
  podSpec,
  readYaml,
  renderOverlay,
  requireKubectl,
  type K8sObject,
  type Overlay,
} from "./deploy-support.ts";

// Every variable the deployment files give Parley must be one it reads: a misspelt PARLEY_*
// name is otherwise silently ignored and the pod runs on a default.

/** `loadConfig` reads PARLEY_CONFIG itself (the config file's path); it is no setting. */
const CONFIG_FILE_VARIABLE = "PARLEY_CONFIG";
/** Variables for Node itself, not for Parley. */
const NODE_VARIABLES = new Set(["NODE_ENV", "NODE_OPTIONS"]);
const PARLEY_VARIABLES = new Set<string>([...Object.values(settingEnvNames), CONFIG_FILE_VARIABLE]);

/** Names that are neither a setting of Parley's nor one of Node's. */
function unknownNames(names: Iterable<string>): string[] {
  return [...names].filter((name) => !PARLEY_VARIABLES.has(name) && !NODE_VARIABLES.has(name));
}

/** Placeholders for the Secret that staging and production create outside the manifests. */
const EXTERNAL_SECRET = {
  PARLEY_SECRET_KEY: "x".repeat(48),
  PARLEY_DATABASE_URL: "postgres://parley:password@postgres.example.internal:5432/parley",
};

const rendered = new Map<Overlay, K8sObject[]>();
let composeSecrets: string;

beforeAll(() => {
  requireKubectl();
  for (const overlay of OVERLAYS) rendered.set(overlay, renderOverlay(overlay));
  composeSecrets = mkdtempSync(join(tmpdir(), "parley-compose-secrets-"));
});
afterAll(() => {
  if (composeSecrets) rmSync(composeSecrets, { recursive: true, force: true });
});

it("knows PARLEY_CONFIG is read by loadConfig (the one variable outside settingEnvNames)", () => {
  expect(readFileSync(join(ROOT, "apps/server/src/config/config.ts"), "utf8")).toContain("env.PARLEY_CONFIG");
  expect(unknownNames(["PARLEY_DATA_DIR", "PARLEY_CONFIG", "NODE_ENV"])).toEqual([]);
  expect(unknownNames(["PARLEY_DATABASE_URI", "PARLEY_DATADIR"])).toEqual([
    "PARLEY_DATABASE_URI",
    "PARLEY_DATADIR",
  ]);
});

describe.each(OVERLAYS)("deploy/overlays/%s", (overlay) => {
  it("sets only variables Parley reads, with values its configuration accepts", () => {
    const objects = rendered.get(overlay) ?? [];
    const workloads = [...byKind(objects, "Deployment").values(), ...byKind(objects, "Job").values()];
    expect(workloads).toHaveLength(3);
    for (const workload of workloads) {
      for (const container of podSpec(workload).containers) {
        const { env, external } = containerEnvironment(objects, container);
        expect(unknownNames(Object.keys(env)), workload.metadata.name).toEqual([]);
        // Only the Secret may come from outside the manifests, and only where it is documented.
        const secretFromOutside = external.length > 0;
        expect(external).toEqual(secretFromOutside ? ["Secret/parley-secrets"] : []);
        expect(secretFromOutside).toBe(overlay !== "development");
        const role = container.args?.[0] === "start" ? container.args[2] : undefined;
        const config = loadConfig({
          env: { ...(secretFromOutside ? EXTERNAL_SECRET : {}), ...env },
          flags: role ? { role } : {},
        });
        expect(config.databaseUrl).toMatch(/^postgres:\/\//);
        expect(config.natsUrl).toBeDefined();
        expect(config.redisUrl).toBeDefined();
        expect(config.dataDir).toMatch(/^\/(var\/lib\/parley|tmp\/parley)$/);
      }
    }
  });
});

describe("podman-compose.yml", () => {
  it("sets only variables Parley reads, and the generated secrets file is a configuration Parley accepts", () => {
    const compose = readYaml("podman-compose.yml") as {
      services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string> }>;
    };
    const parleyServices = Object.entries(compose.services).filter(
      ([, s]) => s.image === "localhost/parley:latest",
    );
    expect(parleyServices.map(([name]) => name).sort()).toEqual([
      "api-1",
      "api-2",
      "migrate",
      "secrets",
      "worker",
    ]);

    execFileSync(process.execPath, [join(ROOT, "deploy/compose/generate-secrets.mjs"), composeSecrets]);
    for (const [name, service] of parleyServices) {
      const env = { ...service.environment };
      expect(unknownNames(Object.keys(env)), name).toEqual([]);
      if (name === "secrets") continue;
      expect(env.PARLEY_CONFIG).toBe("/run/parley-secrets/parley.json");
      // ${VAR:-default} as compose substitutes it when VAR is unset.
      for (const [key, value] of Object.entries(env)) env[key] = value.replace(/\$\{\w+:-([^}]*)\}/g, "$1");
      const role = service.command?.[0] === "start" ? service.command[2] : undefined;
      const config = loadConfig({
        env: { ...env, PARLEY_CONFIG: join(composeSecrets, "parley.json") },
        flags: role ? { role } : {},
      });
      expect(config.databaseUrl).toMatch(/^postgres:\/\/parley:[0-9a-f]{48}@postgres:5432\/parley$/);
      expect(config.secretKey?.length).toBeGreaterThanOrEqual(32);
    }
  });

  it("keeps the generated secrets when run again", () => {
    const before = readFileSync(join(composeSecrets, "parley.json"), "utf8");
    execFileSync(process.execPath, [join(ROOT, "deploy/compose/generate-secrets.mjs"), composeSecrets]);
    expect(readFileSync(join(composeSecrets, "parley.json"), "utf8")).toBe(before);
  });
});

describe("the Containerfile", () => {
  it("sets only variables Parley or Node read", () => {
    const text = readFileSync(join(ROOT, "Containerfile"), "utf8").replace(/\\\n/g, " ");
    const names = [...text.matchAll(/^ENV (.+)$/gm)].flatMap((m) =>
      [...(m[1] ?? "").matchAll(/(\w+)=/g)].map((n) => n[1] ?? ""),
    );
    expect(names).toContain("PARLEY_DATA_DIR");
    expect(unknownNames(names.filter((n) => n !== "PATH"))).toEqual([]);
  });

  it("has its values checked by the same configuration schema (the check can fail)", () => {
    expect(() => loadConfig({ env: { PARLEY_TRUST_PROXY: "one" } })).toThrow(ConfigError);
  });
});
