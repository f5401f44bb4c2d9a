import type { Readable } from "node:stream";
import type { Component } from "../lifecycle.ts";

/** Metadata of a stored object. */
export interface BlobInfo {
  key: string;
  size: number;
  sha256: string;
  contentType: string;
}

/** An object as a listing names it. */
export interface BlobEntry {
  key: string;
  /** When it was last written, in ms since the epoch. */
  modifiedAt: number;
}

/** Object storage: a folder in embedded mode, S3-compatible later. Keys are `/`-separated paths. */
export interface BlobStore extends Component {
  /** Stores `body` under `key`, replacing any previous object atomically. */
  put(key: string, body: Buffer | Readable, options?: { contentType?: string }): Promise<BlobInfo>;
  /** Streams the object, or null when there is none. */
  get(key: string): Promise<{ info: BlobInfo; body: Readable } | null>;
  stat(key: string): Promise<BlobInfo | null>;
  /** True when something was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Every object under the folder `prefix` (keys starting with `prefix/`), in no given order; for
   * sweeps that remove bytes no row refers to any more.
   */
  list(prefix: string): AsyncIterable<BlobEntry>;
}
