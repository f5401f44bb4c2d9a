import { buffer } from "node:stream/consumers";
import { z } from "zod";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import { checkpointHash, type AuditKey } from "./audit-hash.ts";
import type { HeadRow } from "./audit-head.ts";

/** Where the checkpoint lives in the blob store. */
const CHECKPOINT_KEY = "audit/checkpoint.json";

/** The stored form: a position of the head, sealed with the checkpoint's own label. */
const StoredCheckpoint = z.object({
  head_seq: z.number().int().nonnegative(),
  head_hash: z.string(),
  hash: z.string(),
});

/**
 * A copy of the chain's sealed head kept outside the database (the blob store: the data folder in
 * embedded mode), only ever moved forward. An attacker who deletes the newest entries and rolls
 * the `audit_head` row back to an older sealed value (or back to unsealed) cannot roll this copy
 * back with database access alone, so verification still sees what was deleted.
 * @example
 * const checkpoints = new AuditCheckpoints(platform.blobs, key);
 * await checkpoints.advance(head);
 */
export class AuditCheckpoints {
  readonly #blobs: BlobStore;
  readonly #key: AuditKey;

  constructor(blobs: BlobStore, key: AuditKey) {
    this.#blobs = blobs;
    this.#key = key;
  }

  /**
   * The latest checkpoint; null when none was written yet. A file that is not a checkpoint reads
   * as one with an empty seal, which verification reports as modified.
   */
  async read(): Promise<HeadRow | null> {
    const object = await this.#blobs.get(CHECKPOINT_KEY);
    if (!object) return null;
    const text = (await buffer(object.body)).toString("utf8");
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const result = StoredCheckpoint.safeParse(parsed);
    return result.success ? result.data : { head_seq: 0, head_hash: "", hash: "" };
  }

  /**
   * Stores `head` unless the stored checkpoint is at least as far along: a checkpoint never moves
   * back, and an unreadable one stays for verification to report. The caller passes only a head
   * whose seal it checked.
   */
  async advance(head: HeadRow): Promise<void> {
    const current = await this.read();
    if (current && (current.hash === "" || current.head_seq >= head.head_seq)) return;
    const { head_seq, head_hash } = head;
    const hash = checkpointHash(this.#key, { head_seq, head_hash });
    await this.#blobs.put(CHECKPOINT_KEY, Buffer.from(JSON.stringify({ head_seq, head_hash, hash })), {
      contentType: "application/json",
    });
  }
}
