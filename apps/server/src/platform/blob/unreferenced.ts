import type { BlobStore } from "./blob.port.ts";

/** Keys checked against their owner's rows in one call. */
const BATCH = 500;

/**
 * Removes the objects under `folder` written before `before` that `referenced` does not name:
 * bytes whose row is gone (a crash between writing the two, rows deleted by a cascade). `before`
 * must lie well behind any write in progress whose row is not stored yet.
 * @param referenced which of a batch of keys a row still refers to.
 * @returns how many objects were removed.
 * @example
 * await removeUnreferenced(blobs, "chat-attachments", now - HOUR, (keys) => repository.referenced(keys));
 */
export async function removeUnreferenced(
  blobs: BlobStore,
  folder: string,
  before: number,
  referenced: (keys: readonly string[]) => Promise<ReadonlySet<string>>,
): Promise<number> {
  let removed = 0;
  let batch: string[] = [];
  const sweep = async () => {
    const kept = await referenced(batch);
    const orphans = batch.filter((key) => !kept.has(key));
    await Promise.allSettled(orphans.map((key) => blobs.delete(key)));
    removed += orphans.length;
    batch = [];
  };
  for await (const entry of blobs.list(folder)) {
    if (entry.modifiedAt >= before) continue;
    batch.push(entry.key);
    if (batch.length === BATCH) await sweep();
  }
  if (batch.length) await sweep();
  return removed;
}
