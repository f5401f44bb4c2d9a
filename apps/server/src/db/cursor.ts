import { AppError } from "../kernel/app-error.ts";

/** Opaque cursors: base64url of the sort key of a page's last row. */
export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

/** @throws AppError `validation.failed` for a cursor this server did not make. */
export function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  if (!key || encodeCursor(key) !== cursor) {
    throw new AppError("validation.failed", "Invalid cursor", {
      details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
    });
  }
  return key;
}

/**
 * One page of a keyset query that fetched `limit + 1` rows: the extra row only tells that
 * another page exists, whose cursor is the key of this page's last row.
 * @example
 * const rows = await repo.list({ limit: query.limit + 1, ... });
 * return pageOf(rows, query.limit, (r) => r.email, toUser);
 */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => string,
  present: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(present),
    nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null,
  };
}

/** The cursor of a list sorted by name, then id: the last row's pair. */
export function encodeNameCursor(row: { name: string; id: string }): string {
  return JSON.stringify([row.name, row.id]);
}

/** @throws AppError `validation.failed` for a cursor that is not a name cursor of this API. */
export function decodeNameCursor(cursor: string): { name: string; id: string } {
  try {
    const parsed = JSON.parse(decodeCursor(cursor)) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && typeof parsed[1] === "string")
      return { name: parsed[0], id: parsed[1] };
  } catch {
    // answered below
  }
  throw new AppError("validation.failed", "Invalid cursor", {
    details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
  });
}
