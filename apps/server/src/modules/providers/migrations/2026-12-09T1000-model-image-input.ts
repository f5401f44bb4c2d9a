import type { Kysely } from "kysely";

/** An admin's say on whether a model reads images (null: as declared, or guessed from its name). */
export function up() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("model_settings").addColumn("image_input", "integer").execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("model_settings").dropColumn("image_input").execute();
  };
}
