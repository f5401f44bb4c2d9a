import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertValidBlobKey } from "./blob-key.ts";
import type { BlobEntry, BlobInfo, BlobStore } from "./blob.port.ts";

/** Options of {@link FolderBlobStore}. */
export interface FolderBlobStoreOptions {
  /** The folder that holds everything; created on first use. */
  root: string;
}

/** What the sidecar of an object records. */
interface Meta {
  sha256: string;
  size: number;
  contentType: string;
  /** Inode of the data file this sidecar describes, to notice a pair torn apart by a crash. */
  ino: string;
}

const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** Leftover temp files older than this are debris of a crashed upload. */
const STALE_TEMP_MS = 60 * 60_000;

/**
 * The embedded blob store: objects are files in a folder.
 *
 * Layout: `<root>/data/<key>` holds the bytes, `<root>/meta/<key>.json` the sidecar (content type,
 * sha256, size), `<root>/tmp/` the uploads in progress; keys can never collide with either. A put
 * streams into a temp file (fsynced) while hashing, then renames the data and the sidecar into place,
 * so a reader sees the old object or the new one, never a partial file. Renames and reads of a key are
 * serialised inside the process so data and sidecar always match; if a crash tears them apart, reads
 * notice (the sidecar names the data file's inode) and rehash the bytes.
 *
 * Limitation of a file tree: `a` and `a/b` cannot both exist (S3 allows it); such a put fails.
 * @example
 * const blobs = await FolderBlobStore.open({ root: "./data/blobs" });
 * await blobs.put("avatars/u1.png", buffer, { contentType: "image/png" });
 */
export class FolderBlobStore implements BlobStore {
  readonly name = "blob";
  readonly #root: string;
  /** Per key: the tail of the queue of commits and reads, so they never interleave. */
  readonly #locks = new Map<string, Promise<void>>();

  constructor(options: FolderBlobStoreOptions) {
    this.#root = resolve(options.root);
  }

  /**
   * Creates the store and its folders, and removes temp files left by crashed uploads.
   * @example
   * const blobs = await FolderBlobStore.open({ root: join(dataDir, "blobs") });
   */
  static async open(options: FolderBlobStoreOptions): Promise<FolderBlobStore> {
    const store = new FolderBlobStore(options);
    const tmp = store.#dir("tmp");
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    for (const name of await readdir(tmp)) {
      const path = join(tmp, name);
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
    }
    return store;
  }

  async put(key: string, body: Buffer | Readable, options: { contentType?: string } = {}): Promise<BlobInfo> {
    assertValidBlobKey(key);
    const contentType = options.contentType ?? DEFAULT_CONTENT_TYPE;
    const tmp = this.#dir("tmp");
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    const tmpData = join(tmp, randomUUID());
    const tmpMeta = `${tmpData}.json`;
    try {
      const { sha256, size } = await writeHashed(
        Buffer.isBuffer(body) ? Readable.from([body]) : body,
        tmpData,
      );
      const ino = (await stat(tmpData, { bigint: true })).ino.toString();
      const meta: Meta = { sha256, size, contentType, ino };
      await writeFile(tmpMeta, JSON.stringify(meta), { flush: true, mode: 0o600 });
      await this.#serialised(key, async () => {
        await mkdir(dirname(this.#dataPath(key)), { recursive: true, mode: 0o700 });
        await mkdir(dirname(this.#metaPath(key)), { recursive: true, mode: 0o700 });
        await rename(tmpData, this.#dataPath(key));
        await rename(tmpMeta, this.#metaPath(key));
      });
      return { key, size, sha256, contentType };
    } finally {
      // Only left when something failed before the renames.
      await Promise.all([rm(tmpData, { force: true }), rm(tmpMeta, { force: true })]);
    }
  }

  async get(key: string): Promise<{ info: BlobInfo; body: Readable } | null> {
    assertValidBlobKey(key);
    const opened = await this.#serialised(key, async () => {
      const handle = await openIfExists(this.#dataPath(key));
      if (!handle) return null;
      try {
        return { handle, info: await this.#describe(key, handle) };
      } catch (error) {
        await handle.close();
        throw error;
      }
    });
    if (!opened) return null;
    // The stream reads the file opened under the lock, even if a put replaces it meanwhile.
    return { info: opened.info, body: opened.handle.createReadStream({ start: 0 }) };
  }

  async stat(key: string): Promise<BlobInfo | null> {
    assertValidBlobKey(key);
    return this.#serialised(key, async () => {
      const handle = await openIfExists(this.#dataPath(key));
      if (!handle) return null;
      try {
        return await this.#describe(key, handle);
      } finally {
        await handle.close();
      }
    });
  }

  async delete(key: string): Promise<boolean> {
    assertValidBlobKey(key);
    return this.#serialised(key, async () => {
      let existed = true;
      try {
        await unlink(this.#dataPath(key));
      } catch (error) {
        if (!isMissing(error)) throw error;
        existed = false;
      }
      await rm(this.#metaPath(key), { force: true });
      return existed;
    });
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    assertValidBlobKey(prefix);
    const data = this.#dir("data");
    const folder = this.#inside(data, prefix);
    let entries;
    try {
      entries = await readdir(folder, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path).catch(() => null);
      // Deleted since the folder was read.
      if (!info) continue;
      yield { key: relative(data, path).split(sep).join("/"), modifiedAt: info.mtimeMs };
    }
  }

  /** Resolves when the folder accepts writes; rejects with the reason otherwise. */
  async check(): Promise<void> {
    const tmp = this.#dir("tmp");
    const probe = join(tmp, `check-${randomUUID()}`);
    try {
      await mkdir(tmp, { recursive: true, mode: 0o700 });
      await writeFile(probe, "ok", { mode: 0o600 });
      await unlink(probe);
    } catch (error) {
      throw new Error(`blob folder ${this.#root} is not writable`, { cause: error });
    }
  }

  /** Nothing to release: no handle outlives a call (streams close their own files). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #dir(name: "data" | "meta" | "tmp"): string {
    return join(this.#root, name);
  }

  #dataPath(key: string): string {
    return this.#inside(this.#dir("data"), key);
  }

  #metaPath(key: string): string {
    return this.#inside(this.#dir("meta"), `${key}.json`);
  }

  /** Joins a validated key under `dir`, and checks once more that the result stays inside it. */
  #inside(dir: string, relative: string): string {
    const path = resolve(dir, relative);
    if (!path.startsWith(dir + sep)) throw new Error(`blob path escapes ${dir}: ${relative}`);
    return path;
  }

  /** The info of the open data file, from its sidecar, or rebuilt from the bytes when they disagree. */
  async #describe(key: string, handle: FileHandle): Promise<BlobInfo> {
    const fileStat = await handle.stat({ bigint: true });
    const meta = await readMeta(this.#metaPath(key));
    if (meta?.ino === fileStat.ino.toString() && BigInt(meta.size) === fileStat.size) {
      return { key, size: meta.size, sha256: meta.sha256, contentType: meta.contentType };
    }
    // A crash between the two renames of a put: trust the bytes, keep the content type if any.
    const { sha256, size } = await hashFile(handle);
    return { key, size, sha256, contentType: meta?.contentType ?? DEFAULT_CONTENT_TYPE };
  }

  /** Runs `fn` once every earlier serialised call on `key` has finished. */
  async #serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}

/** Streams `source` into a new file at `path`, fsynced, and returns its sha256 and size. */
async function writeHashed(source: Readable, path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(source, measure, createWriteStream(path, { flags: "wx", flush: true, mode: 0o600 }));
  return { sha256: hash.digest("hex"), size };
}

/** Hashes the whole file behind `handle`, leaving it open. */
async function hashFile(handle: FileHandle): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of handle.createReadStream({
    start: 0,
    autoClose: false,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Opens the regular file at `path`, or null when there is none (a directory is none either). */
async function openIfExists(path: string): Promise<FileHandle | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  try {
    if ((await handle.stat()).isFile()) return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return null;
}

async function readMeta(path: string): Promise<Meta | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Meta;
  } catch (error) {
    if (isMissing(error) || error instanceof SyntaxError) return null;
    throw error;
  }
}

/** True for the errors that mean "no such file": absent, or a parent that is a file. */
function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "ENOTDIR");
}
