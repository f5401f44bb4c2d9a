import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runParley, type ParleyProcess } from "./process-harness.ts";

const running: ParleyProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});
function run(args: string[], env: Record<string, string> = {}): ParleyProcess {
  const p = runParley(args, env);
  running.push(p);
  return p;
}
const freshDir = () => mkdtempSync(join(tmpdir(), "parley-cli-"));

describe("parley command", () => {
  it("lists its commands in --help", async () => {
    const p = run(["--help"]);
    expect(await p.exited()).toBe(0);
    for (const command of ["start", "migrate", "status", "config", "admin"])
      expect(p.output()).toContain(command);
    const admin = run(["admin", "--help"]);
    expect(await admin.exited()).toBe(0);
    expect(admin.output()).toContain("create");
  });

  it("stops with exit code 2 and names the setting when a value is bad", async () => {
    const p = run(["start"], { PARLEY_PORT: "eighty", PARLEY_DATA_DIR: freshDir() });
    expect(await p.exited()).toBe(2);
    expect(p.output()).toMatch(/PARLEY_PORT \(port\) must be a whole number/);
  });

  it("stops with exit code 2 on an unknown flag or role", async () => {
    expect(await run(["start", "--prot", "1"]).exited()).toBe(2);
    const role = run(["start", "--role", "boss"]);
    expect(await role.exited()).toBe(2);
    expect(role.output()).toContain("api, worker, all");
  });

  it("refuses split roles without the shared services", async () => {
    const p = run(["start", "--role", "worker"], { PARLEY_DATA_DIR: freshDir() });
    expect(await p.exited()).toBe(2);
    expect(p.output()).toContain("PARLEY_NATS_URL (natsUrl) is required with PARLEY_ROLE=worker");
  });

  it("starts embedded with no services, prints where it listens, and drains on SIGTERM", async () => {
    const dataDir = freshDir();
    const p = run(["start", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir]);
    const url = await p.listening();
    expect(p.output()).toContain("embedded mode, role all");
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    p.kill("SIGTERM");
    expect(await p.exited()).toBe(0);
    expect(p.output()).toContain('"msg":"stopped"');
  });

  it("takes port and data folder from PARLEY_PORT and PARLEY_DATA_DIR", async () => {
    const dataDir = freshDir();
    const p = run(["start", "--host", "127.0.0.1"], { PARLEY_PORT: "0", PARLEY_DATA_DIR: dataDir });
    await p.listening();
    expect(p.output()).toContain(`"dataDir":"${dataDir}"`);
  });

  it("refuses a second process on the same data folder with a clear message", async () => {
    const dataDir = freshDir();
    const first = run(["start", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir]);
    await first.listening();
    const second = run(["start", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir]);
    expect(await second.exited()).toBe(1);
    expect(second.output()).toContain("is in use by another Parley process");
  });

  it("migrates with parley migrate, then reports the database up to date", async () => {
    const dataDir = freshDir();
    const first = run(["migrate", "--data-dir", dataDir]);
    expect(await first.exited()).toBe(0);
    expect(first.output()).toMatch(/applied \d+: 2026-11-22T1200-instance, 2026-11-22T1300-identity/);
    const again = run(["migrate", "--data-dir", dataDir]);
    expect(await again.exited()).toBe(0);
    expect(again.output()).toContain("database is up to date");
    expect(again.output()).toMatch(/applied {2}2026-11-22T1200-instance/);
  });

  it("creates an admin with parley admin create, who can then sign in", async () => {
    const dataDir = freshDir();
    const create = run([
      "admin",
      "create",
      "--email",
      "Root@Example.com",
      "--password-stdin",
      "--data-dir",
      dataDir,
    ]);
    create.child.stdin?.end("a long admin password\n");
    expect(await create.exited(), create.output()).toBe(0);
    expect(create.output()).toContain("created admin root@example.com");
    const again = run([
      "admin",
      "create",
      "--email",
      "root@example.com",
      "--password",
      "another long password",
      "--data-dir",
      dataDir,
    ]);
    expect(await again.exited()).toBe(1);
    expect(again.output()).toContain("already exists");

    const server = run(["start", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir]);
    const url = await server.listening();
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "root@example.com", password: "a long admin password" }),
    });
    expect(login.status).toBe(200);
  });

  it("refuses parley admin create without a usable password, with exit code 2", async () => {
    const p = run([
      "admin",
      "create",
      "--email",
      "x@example.com",
      "--password",
      "short",
      "--data-dir",
      freshDir(),
    ]);
    expect(await p.exited()).toBe(2);
    expect(p.output()).toContain("at least 12 characters");
  });

  it("creates the first admin from PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD, and warns when neither exists", async () => {
    const bare = run(["start", "--port", "0", "--host", "127.0.0.1", "--data-dir", freshDir()]);
    await bare.listening();
    expect(bare.output()).toContain("no account exists yet");
    const seeded = run(["start", "--port", "0", "--host", "127.0.0.1", "--data-dir", freshDir()], {
      PARLEY_ADMIN_EMAIL: "boss@example.com",
      PARLEY_ADMIN_PASSWORD: "the boss's long password",
    });
    const url = await seeded.listening();
    expect(seeded.output()).toContain("created the first admin");
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "boss@example.com", password: "the boss's long password" }),
    });
    expect(login.status).toBe(200);
  });

  it("prints the validated configuration with secrets masked", async () => {
    const p = run(["config"], {
      PARLEY_DATABASE_URL: "postgres://u:s3cret@db/parley",
      PARLEY_SECRET_KEY: "a-very-long-secret-key-for-this-test-only",
    });
    expect(await p.exited()).toBe(0);
    expect(p.output()).toContain('"mode": "distributed"');
    expect(p.output()).not.toContain("s3cret");
    expect(p.output()).not.toContain("a-very-long-secret");
  });
});
