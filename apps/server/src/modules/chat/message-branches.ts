import type { MessageVersions } from "@parley/contracts";

/** What the branches of a conversation are computed from: each message's place in the tree. */
export interface TreeRow {
  id: string;
  parent_id: string | null;
  position: number;
  /** Null while on the current path; else when it left it (strictly increasing per conversation). */
  replaced_at: number | null;
}

/**
 * Each message's versions: the messages with the same parent, oldest first, for those that have
 * more than one.
 * @example
 * versionsOf([{ id: "u1", parent_id: null, … }, { id: "u2", parent_id: null, … }]).get("u2")
 * // { index: 2, count: 2, siblingIds: ["u1", "u2"] }
 */
export function versionsOf(rows: readonly TreeRow[]): Map<string, MessageVersions> {
  const families = new Map<string | null, TreeRow[]>();
  for (const row of rows) {
    const family = families.get(row.parent_id);
    if (family) family.push(row);
    else families.set(row.parent_id, [row]);
  }
  const versions = new Map<string, MessageVersions>();
  for (const family of families.values()) {
    if (family.length < 2) continue;
    const siblingIds = family.sort((a, b) => a.position - b.position).map((r) => r.id);
    family.forEach((row, i) => {
      versions.set(row.id, { index: i + 1, count: family.length, siblingIds });
    });
  }
  return versions;
}

/**
 * The path that makes `targetId` current: its ancestors from the first message, itself, then,
 * from each message down, the child that was on the path last (the latest `replaced_at`; a later
 * version when two left at once), until a message without children. Switching back to a version
 * so brings back the whole path as it was when it was left.
 * @returns the ids in order, or null when `targetId` is not among `rows`.
 */
export function pathThrough(rows: readonly TreeRow[], targetId: string): string[] | null {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const target = byId.get(targetId);
  if (!target) return null;
  const children = new Map<string, TreeRow[]>();
  for (const row of rows) {
    if (row.parent_id === null) continue;
    const list = children.get(row.parent_id);
    if (list) list.push(row);
    else children.set(row.parent_id, [row]);
  }
  const up: string[] = [];
  const seen = new Set<string>();
  // Up to the first message (a parent that is not there, or a cycle, ends it too).
  let at: TreeRow | undefined = target;
  while (at && !seen.has(at.id)) {
    seen.add(at.id);
    up.push(at.id);
    at = at.parent_id === null ? undefined : byId.get(at.parent_id);
  }
  const path = up.reverse();
  for (let below = children.get(targetId); below?.length;) {
    const next = below.reduce((best, row) => (lastOnPath(row, best) ? row : best));
    if (seen.has(next.id)) break;
    seen.add(next.id);
    path.push(next.id);
    below = children.get(next.id);
  }
  return path;
}

/** Whether `a` was on the current path after `b` (a current message is on it now). */
function lastOnPath(a: TreeRow, b: TreeRow): boolean {
  const left = (r: TreeRow) => r.replaced_at ?? Number.POSITIVE_INFINITY;
  return left(a) > left(b) || (left(a) === left(b) && a.position > b.position);
}
