import { createHash } from "node:crypto";
import type { LabelTarget } from "@parley/contracts";

/**
 * The version a label gives user `userId`: with one target, that one; with two, a sticky A/B
 * assignment. SHA-256 of `userId`, the prompt id and the label (NUL-separated) read as an unsigned
 * 48-bit number, modulo the sum of the weights, is the user's bucket; buckets below the first
 * weight get the first version. The same user always lands in the same bucket (on every pod, after
 * every restart), users spread evenly, and changing only the weights moves the fewest users.
 * @example
 * pickVersion([{ version: 3, weight: 90 }, { version: 4, weight: 10 }], "u_1", "p_1", "production") // 3 or 4, always the same
 */
export function pickVersion(
  split: readonly LabelTarget[],
  userId: string,
  promptId: string,
  label: string,
): number {
  const [first, second] = split;
  if (!first) throw new Error("a label points at no version");
  if (!second) return first.version;
  return bucketOf(userId, promptId, label, first.weight + second.weight) < first.weight
    ? first.version
    : second.version;
}

/** The user's bucket in [0, total). */
export function bucketOf(userId: string, promptId: string, label: string, total: number): number {
  const digest = createHash("sha256").update(`${userId}\0${promptId}\0${label}`).digest();
  return digest.readUIntBE(0, 6) % total;
}
