import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, unlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FolderBlobStore } from "./folder-blob-store.ts";

// What the contract suite cannot see: the files on disk and how the store copes with a crash.
describe("FolderBlobStore", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "parley-blob-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("keeps the bytes as a plain file under data/ and the sidecar under meta/", async () => {
    const store = await FolderBlobStore.open({ root });
    await store.put("a/b.txt", Buffer.from("plain"), { contentType: "text/plain" });
    expect(await readFile(join(root, "data/a/b.txt"), "utf8")).toBe("plain");
    const meta = JSON.parse(await readFile(join(root, "meta/a/b.txt.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(meta).toMatchObject({ contentType: "text/plain", size: 5 });
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });

  it("leaves no temp file behind when an upload fails", async () => {
    const store = await FolderBlobStore.open({ root });
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from("partial");
        await Promise.resolve();
        throw new Error("boom");
      })(),
    );
    await expect(store.put("k", failing)).rejects.toThrow("boom");
    expect(await readdir(join(root, "tmp"))).toEqual([]);
    expect(await store.stat("k")).toBeNull();
  });

  it("rebuilds the info from the bytes when a crash lost or outdated the sidecar", async () => {
    const store = await FolderBlobStore.open({ root });
    await store.put("k", Buffer.from("first"), { contentType: "text/plain" });
    const staleSidecar = await readFile(join(root, "meta/k.json"), "utf8");
    await store.put("k", Buffer.from("second!"), { contentType: "text/plain" });
    // As if the process died between renaming the data and renaming the sidecar.
    await writeFile(join(root, "meta/k.json"), staleSidecar);
    const sha = createHash("sha256").update("second!").digest("hex");
    expect(await store.stat("k")).toEqual({ key: "k", size: 7, sha256: sha, contentType: "text/plain" });
    await unlink(join(root, "meta/k.json"));
    expect(await store.stat("k")).toMatchObject({
      size: 7,
      sha256: sha,
      contentType: "application/octet-stream",
    });
  });

  it("clears temp files of crashed uploads when opened, keeping recent ones", async () => {
    await (await FolderBlobStore.open({ root })).check();
    await writeFile(join(root, "tmp/old"), "debris");
    await writeFile(join(root, "tmp/recent"), "in progress");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60_000);
    await utimes(join(root, "tmp/old"), twoHoursAgo, twoHoursAgo);
    await FolderBlobStore.open({ root });
    expect(await readdir(join(root, "tmp"))).toEqual(["recent"]);
  });

  it("fails check() when the folder cannot be written", async () => {
    // A path below a regular file can never be created, whatever the user's privileges.
    await writeFile(join(root, "file"), "");
    const store = new FolderBlobStore({ root: join(root, "file", "blobs") });
    await expect(store.check()).rejects.toThrow(/not writable/);
  });
});
