import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidBlobKeyError } from "./blob-key.ts";
import type { BlobStore } from "./blob.port.ts";
import { FolderBlobStore } from "./folder-blob-store.ts";

/** One adapter under test; an S3 adapter joins the table below with its own entry. */
interface Harness {
  store: BlobStore;
  cleanup(): Promise<void>;
}

async function folderHarness(): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), "parley-blob-"));
  return {
    store: await FolderBlobStore.open({ root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

/** A stream that delivers `parts` one chunk at a time, asynchronously, like a request body. */
function slowStream(parts: string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const part of parts) {
        await new Promise((resolve) => setImmediate(resolve));
        yield Buffer.from(part);
      }
    })(),
  );
}

describe.each([{ adapter: "folder", create: folderHarness }])(
  "BlobStore contract ($adapter)",
  ({ create }) => {
    let h: Harness;
    beforeEach(async () => {
      h = await create();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it("stores a Buffer and gives it back with its size, sha256 and content type", async () => {
      const body = Buffer.from("hello, blob");
      const info = await h.store.put("docs/a.txt", body, { contentType: "text/plain" });
      const expected = {
        key: "docs/a.txt",
        size: body.length,
        sha256: sha256(body),
        contentType: "text/plain",
      };
      expect(info).toEqual(expected);
      expect(await h.store.stat("docs/a.txt")).toEqual(expected);
      const got = await h.store.get("docs/a.txt");
      expect(got?.info).toEqual(expected);
      expect(await text(got?.body ?? Readable.from([]))).toBe("hello, blob");
    });

    it("stores a stream, hashing it on the way", async () => {
      const parts = ["first chunk, ", "second chunk, ", "x".repeat(200_000)];
      const info = await h.store.put("streams/s.bin", slowStream(parts));
      const whole = parts.join("");
      expect(info).toMatchObject({ size: Buffer.byteLength(whole), sha256: sha256(whole) });
      expect(info.contentType).toBe("application/octet-stream");
      const got = await h.store.get("streams/s.bin");
      expect(await text(got?.body ?? Readable.from([]))).toBe(whole);
    });

    it("stores an empty object", async () => {
      const info = await h.store.put("empty", Buffer.alloc(0));
      expect(info).toMatchObject({ size: 0, sha256: sha256("") });
      const got = await h.store.get("empty");
      expect(await text(got?.body ?? Readable.from(["not empty"]))).toBe("");
    });

    it("replaces an object whole: content, size, hash and content type", async () => {
      await h.store.put("k", Buffer.from("old content that is longer"), { contentType: "text/plain" });
      await h.store.put("k", Buffer.from("new"), { contentType: "text/markdown" });
      expect(await h.store.stat("k")).toEqual({
        key: "k",
        size: 3,
        sha256: sha256("new"),
        contentType: "text/markdown",
      });
      expect(await text((await h.store.get("k"))?.body ?? Readable.from([]))).toBe("new");
    });

    it("lets a reader that started before an overwrite finish reading the old content", async () => {
      const old = "o".repeat(300_000);
      await h.store.put("k", Buffer.from(old));
      const reading = await h.store.get("k");
      await h.store.put("k", Buffer.from("new"));
      expect(await text(reading?.body ?? Readable.from([]))).toBe(old);
      expect(await text((await h.store.get("k"))?.body ?? Readable.from([]))).toBe("new");
    });

    it("ends with one complete version when writers race on a key", async () => {
      const versions = Array.from({ length: 8 }, (_, i) => `version ${i} `.repeat(10_000 + i));
      await Promise.all(
        versions.map((v, i) => h.store.put("race", slowStream([v]), { contentType: `text/v${i}` })),
      );
      const info = await h.store.stat("race");
      const content = await text((await h.store.get("race"))?.body ?? Readable.from([]));
      const winner = versions.indexOf(content);
      expect(winner).toBeGreaterThanOrEqual(0);
      expect(info).toMatchObject({ sha256: sha256(content), contentType: `text/v${winner}` });
    });

    it("keeps an object intact when its upload stream fails", async () => {
      await h.store.put("k", Buffer.from("kept"));
      const failing = Readable.from(
        (async function* () {
          yield Buffer.from("partial");
          await Promise.resolve();
          throw new Error("client went away");
        })(),
      );
      await expect(h.store.put("k", failing)).rejects.toThrow("client went away");
      expect(await text((await h.store.get("k"))?.body ?? Readable.from([]))).toBe("kept");
    });

    it("answers null for a missing key, and delete tells whether something was removed", async () => {
      expect(await h.store.get("nope")).toBeNull();
      expect(await h.store.stat("nope/deeper")).toBeNull();
      expect(await h.store.delete("nope")).toBe(false);
      await h.store.put("a/b", Buffer.from("x"));
      expect(await h.store.get("a")).toBeNull();
      expect(await h.store.delete("a/b")).toBe(true);
      expect(await h.store.delete("a/b")).toBe(false);
      expect(await h.store.get("a/b")).toBeNull();
      expect(await h.store.stat("a/b")).toBeNull();
    });

    it("lists the objects under a folder, with when each was written, and nothing else", async () => {
      const before = Date.now();
      await h.store.put("files/u1/a", Buffer.from("a"));
      await h.store.put("files/u2/deeper/b", Buffer.from("b"));
      await h.store.put("filesystem/c", Buffer.from("c"));
      await h.store.put("other/d", Buffer.from("d"));
      await h.store.put("files/u1/gone", Buffer.from("e"));
      await h.store.delete("files/u1/gone");
      const listed: string[] = [];
      for await (const entry of h.store.list("files")) {
        listed.push(entry.key);
        // Within the file system's timestamp granularity of the puts above.
        expect(entry.modifiedAt).toBeGreaterThanOrEqual(before - 2_000);
      }
      expect(listed.sort()).toEqual(["files/u1/a", "files/u2/deeper/b"]);
      const none: string[] = [];
      for await (const entry of h.store.list("nothing/here")) none.push(entry.key);
      expect(none).toEqual([]);
      await expect(async () => {
        for await (const entry of h.store.list("../escape")) none.push(entry.key);
      }).rejects.toThrow(InvalidBlobKeyError);
    });

    it.each([
      ["", "empty"],
      ["../escape", "parent segment"],
      ["a/../../escape", "parent segment inside"],
      ["./a", "dot segment"],
      ["/etc/passwd", "absolute"],
      ["a//b", "empty segment"],
      ["a/", "trailing slash"],
      ["a\\..\\b", "backslash"],
      ["a\u0000b", "NUL"],
    ])("rejects the key %j (%s) on every operation", async (key) => {
      await expect(h.store.put(key, Buffer.from("x"))).rejects.toThrow(InvalidBlobKeyError);
      await expect(h.store.get(key)).rejects.toThrow(InvalidBlobKeyError);
      await expect(h.store.stat(key)).rejects.toThrow(InvalidBlobKeyError);
      await expect(h.store.delete(key)).rejects.toThrow(InvalidBlobKeyError);
    });

    it("reports itself ready and closes twice without error", async () => {
      await expect(h.store.check()).resolves.toBeUndefined();
      await h.store.close();
      await h.store.close();
    });
  },
);
