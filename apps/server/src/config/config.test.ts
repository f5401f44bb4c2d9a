import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, deploymentMode, loadConfig, redactConfig } from "./config.ts";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("defaults to embedded mode on port 8080 with a ./data folder", () => {
    const config = loadConfig({ env: {} });
    expect(config.port).toBe(8080);
    expect(config.role).toBe("all");
    expect(config.dataDir).toBe(join(process.cwd(), "data"));
    expect(deploymentMode(config)).toBe("embedded");
  });

  it("reads PARLEY_* variables and lets flags win over them", () => {
    const env = { PARLEY_PORT: "9000", PARLEY_DATA_DIR: "/tmp/p", PARLEY_TRUST_PROXY: "yes" };
    expect(loadConfig({ env }).port).toBe(9000);
    expect(loadConfig({ env }).trustProxy).toBe(true);
    expect(loadConfig({ env, flags: { port: 9100, dataDir: undefined } }).port).toBe(9100);
    expect(loadConfig({ env, flags: { dataDir: undefined } }).dataDir).toBe("/tmp/p");
  });

  it("reads PARLEY_TRUST_PROXY as off, a hop count, proxy addresses or everything", () => {
    const trust = (value: string) => loadConfig({ env: { PARLEY_TRUST_PROXY: value } }).trustProxy;
    expect(trust("false")).toBe(false);
    expect(trust("0")).toBe(false);
    expect(trust("1")).toBe(1);
    expect(trust("2")).toBe(2);
    expect(trust("true")).toBe(true);
    expect(trust("127.0.0.1, 10.0.0.0/8,::1")).toEqual(["127.0.0.1", "10.0.0.0/8", "::1"]);
    expect(problemsOf(() => trust("proxy.example.com"))).toEqual([
      expect.stringContaining("PARLEY_TRUST_PROXY"),
    ]);
  });

  it("names the setting, its variable and what it expects when a value is bad", () => {
    const problems = problemsOf(() => loadConfig({ env: { PARLEY_PORT: "eighty" } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("PARLEY_PORT");
    expect(problems[0]).toContain("whole number between 0 and 65535");
    expect(problems[0]).toContain('"eighty"');
  });

  it("rejects URLs of the wrong kind", () => {
    const problems = problemsOf(() => loadConfig({ env: { PARLEY_DATABASE_URL: "mysql://x" } }));
    expect(problems[0]).toMatch(/PARLEY_DATABASE_URL .*postgres:\/\//);
  });

  it("requires the shared services when the role splits api from worker", () => {
    const problems = problemsOf(() => loadConfig({ env: { PARLEY_ROLE: "worker" } }));
    expect(problems.map((p) => p.split(" ")[0])).toEqual([
      "PARLEY_DATABASE_URL",
      "PARLEY_NATS_URL",
      "PARLEY_REDIS_URL",
    ]);
  });

  it("requires a shared secret key when the database is shared", () => {
    const problems = problemsOf(() => loadConfig({ env: { PARLEY_DATABASE_URL: "postgres://db/p" } }));
    expect(problems[0]).toMatch(/^PARLEY_SECRET_KEY .*required with PARLEY_DATABASE_URL/);
    const short = problemsOf(() => loadConfig({ env: { PARLEY_SECRET_KEY: "short" } }));
    expect(short[0]).toContain("at least 32 characters");
  });

  it("reads a JSON config file below the environment and rejects unknown keys", () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-config-"));
    const file = join(dir, "parley.json");
    writeFileSync(file, JSON.stringify({ port: 7000, logLevel: "warn" }));
    expect(loadConfig({ env: { PARLEY_CONFIG: file } })).toMatchObject({ port: 7000, logLevel: "warn" });
    expect(loadConfig({ env: { PARLEY_CONFIG: file, PARLEY_PORT: "7001" } }).port).toBe(7001);

    writeFileSync(file, JSON.stringify({ prot: 7000 }));
    expect(problemsOf(() => loadConfig({ env: { PARLEY_CONFIG: file } }))[0]).toContain("prot");
    writeFileSync(file, "{not json");
    expect(() => loadConfig({ env: { PARLEY_CONFIG: file } })).toThrow(/not valid JSON/);
  });

  it("never echoes the value of a secret setting in an error", () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          PARLEY_PROVIDERS: '[{"id":"x","type":"nope","apiKey":"sk-LEAK"}]',
          PARLEY_ADMIN_PASSWORD: "leak",
        },
      }),
    );
    expect(problems.join("\n")).toContain("PARLEY_PROVIDERS");
    expect(problems.join("\n")).toContain("PARLEY_ADMIN_PASSWORD");
    expect(problems.join("\n")).not.toMatch(/sk-LEAK|"leak"/);
  });

  it("masks passwords in URLs when the configuration is shown", () => {
    const config = loadConfig({
      env: { PARLEY_DATABASE_URL: "postgres://u:secret@db/parley", PARLEY_SECRET_KEY: "k".repeat(40) },
    });
    expect(JSON.stringify(redactConfig(config))).not.toContain("secret@");
    expect(JSON.stringify(redactConfig(config))).not.toContain("kkkk");
  });
});
