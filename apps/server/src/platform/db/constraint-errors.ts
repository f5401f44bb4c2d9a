/**
 * A foreign-key violation, in either dialect: the row points at something that is gone (a team
 * deleted a moment ago, an id that never existed). Services answer it as a 404, never a 500.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/** A unique or primary key violation, in either dialect (a slug or an email taken meanwhile). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}
