import type { ColumnType } from "kysely";

/**
 * A JSON column: `jsonb` on PostgreSQL (read back parsed), `text` on SQLite (read back as a
 * string). Write with `toJson`, read with `fromJson`, and both dialects behave the same.
 */
export type JsonColumn = ColumnType<unknown, string, string>;

/** Serialises a value for a JSON column. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Reads a JSON column in either dialect. */
export function fromJson(value: unknown): unknown {
  return typeof value === "string" ? (JSON.parse(value) as unknown) : value;
}
