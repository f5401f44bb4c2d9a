import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "./data-dir-lock.ts";

const LOCK_MODULE = fileURLToPath(new URL("./data-dir-lock.ts", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

const freshDir = () => mkdtempSync(join(tmpdir(), "parley-lock-"));

/** Another process that takes the folder and holds it until killed; resolves once it holds it. */
async function holdInAnotherProcess(dir: string): Promise<ChildProcess> {
  const script = `import { lockDataDir } from ${JSON.stringify(LOCK_MODULE)};
await lockDataDir(${JSON.stringify(dir)}); process.stdout.write("locked\\n"); setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "pipe" });
  children.push(child);
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("locked")) resolve();
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", () => {
      reject(new Error(`the holder exited before locking:\n${output}`));
    });
  });
  return child;
}

describe("data folder lock", () => {
  it("refuses a second holder in the same process, and lets the next one in once released", async () => {
    const dir = freshDir();
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await release();
    const again = await lockDataDir(dir);
    await again();
  });

  it("refuses a process while another live process holds the folder", async () => {
    const dir = freshDir();
    await holdInAnotherProcess(dir);
    await expect(lockDataDir(dir)).rejects.toThrow(/in use by another Parley process/);
  });

  it("takes the folder over at once from a process that was killed with SIGKILL", async () => {
    const dir = freshDir();
    const holder = await holdInAnotherProcess(dir);
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await exited;
    // No stale timeout to wait out: the kernel dropped the dead process's lock.
    const release = await lockDataDir(dir);
    await release();
  });
});
