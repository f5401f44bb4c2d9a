import { chmodSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FolderBlobStore } from "../../src/platform/blob/folder-blob-store.ts";
import { openDatabase } from "../../src/platform/db/database.ts";
import { migrateToLatest } from "../../src/app/migrations.ts";
import { ADMIN } from "../parley-harness.ts";
import { runParley, type ParleyProcess } from "../process-harness.ts";

const running: ParleyProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.kill();
});

/** Every file and folder under `root` (itself included) whose mode lets group or others in. */
function openToOthers(root: string): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    const info = statSync(path);
    if ((info.mode & 0o077) !== 0) found.push(`${path} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return found;
}

describe("data folder permissions", () => {
  it("keeps everything the parley command writes to a fresh data folder to its own user", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "parley-perm-")), "data");
    const p = runParley(["start", "--port", "0", "--host", "127.0.0.1"], {
      PARLEY_DATA_DIR: dataDir,
      PARLEY_ADMIN_EMAIL: ADMIN.email,
      PARLEY_ADMIN_PASSWORD: ADMIN.password,
      PARLEY_OLLAMA_DETECT: "false",
    });
    running.push(p);
    const url = await p.listening();
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(200);
    const names = readdirSync(dataDir);
    expect(names).toEqual(
      expect.arrayContaining(["parley.db", "parley.db-wal", "parley.db-shm", "secret.key"]),
    );
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it("creates the database, its WAL and blobs owner-only when embedded without a umask, and tightens an old 0644 file", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "parley-perm-")), "data");
    const database = openDatabase({ dialect: "sqlite", file: join(dataDir, "parley.db") });
    await migrateToLatest(database);
    const blobs = await FolderBlobStore.open({ root: join(dataDir, "blobs") });
    await blobs.put("notes/one.txt", Buffer.from("private"));
    await database.close();
    expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(["parley.db", "blobs"]));
    expect(openToOthers(dataDir)).toEqual([]);

    const old = join(mkdtempSync(join(tmpdir(), "parley-perm-")), "parley.db");
    writeFileSync(old, "");
    chmodSync(old, 0o644);
    const reopened = openDatabase({ dialect: "sqlite", file: old });
    await reopened.close();
    expect(statSync(old).mode & 0o777).toBe(0o600);
  });
});
