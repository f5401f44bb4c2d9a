import { sql, type Kysely } from "kysely";
import { columnTypes, type MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Edits and regenerations keep earlier versions as branches (ADR 0031): each message knows the
 * message it follows (`parent_id`; null for a conversation's first messages), and every change of
 * a conversation's current path bumps `path_version`, which PostgreSQL's one-statement send
 * checks so that it never extends a path a concurrent switch has just left.
 *
 * Existing messages get, best effort, the message before them on the path they were created on:
 * the latest earlier message that had not been replaced yet when their exchange was stored (an
 * exchange's time is its answer's `created_at`, which is also the `replaced_at` it gave the
 * messages it replaced).
 */
export function up(dialect: MigrationDialect) {
  const t = columnTypes(dialect);
  return async (db: Kysely<unknown>) => {
    await db.schema.alterTable("messages").addColumn("parent_id", t.id).execute();
    await db.schema
      .alterTable("conversations")
      .addColumn("path_version", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await backfillParents(db);
    await db.schema
      .createIndex("messages_parent_idx")
      .on("messages")
      .columns(["conversation_id", "parent_id"])
      .execute();
  };
}

export function down() {
  return async (db: Kysely<unknown>) => {
    await db.schema.dropIndex("messages_parent_idx").execute();
    await db.schema.alterTable("messages").dropColumn("parent_id").execute();
    await db.schema.alterTable("conversations").dropColumn("path_version").execute();
  };
}

/**
 * Gives each message without a parent the latest earlier message of its conversation that had not
 * been replaced yet when its exchange was stored (for a question, the time of the answer stored
 * with it).
 */
export async function backfillParents(db: Kysely<unknown>): Promise<void> {
  await sql`
    update messages set parent_id = (
      select p.id from messages p
      where p.conversation_id = messages.conversation_id
        and p.position < messages.position
        and (p.replaced_at is null or p.replaced_at > coalesce(
          (select a.created_at from messages a
           where messages.role = 'user' and a.conversation_id = messages.conversation_id
             and a.position = messages.position + 1 and a.role = 'assistant'),
          messages.created_at))
      order by p.position desc
      limit 1
    )
    where parent_id is null
  `.execute(db);
}
