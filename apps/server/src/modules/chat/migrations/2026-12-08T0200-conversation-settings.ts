import type { Kysely } from "kysely";
import type { MigrationDialect } from "../../../db/migration-helpers.ts";

/** A conversation's own system prompt and answer parameters (null: none, the model's defaults). */
export function up(dialect: MigrationDialect) {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("conversations").addColumn("system_prompt", "text").execute();
    await db.schema
      .alterTable("conversations")
      .addColumn("temperature", dialect === "postgres" ? "double precision" : "real")
      .execute();
    await db.schema.alterTable("conversations").addColumn("max_output_tokens", "integer").execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    for (const column of ["max_output_tokens", "temperature", "system_prompt"])
      await db.schema.alterTable("conversations").dropColumn(column).execute();
  };
}
