import { sql, type Kysely } from "kysely";
import type { MigrationDialect } from "../../../db/migration-helpers.ts";

/**
 * Full-text search over the messages on a conversation's current path (ADR 0033). Indexed: every
 * message that is not `streaming` and not replaced; an answer enters the index when it ends
 * (completed, failed or cancelled, with the text it has), and leaves it when a regenerate or an
 * edit replaces it (and enters again if it is brought back).
 *
 * - PostgreSQL: `message_search`, the stored `tsvector` of each indexed message (`simple`: no
 *   stemming and no stop words, so code identifiers, names and any language match as typed) with
 *   a GIN index, kept by triggers on insert and on updates of content, status or replaced_at
 *   (deletes cascade); filled from the messages already there. A side table rather than a column,
 *   so that reading messages does not carry their `tsvector`s.
 * - SQLite: an FTS5 external-content table on `messages`, keyed by `search_rowid` (a rowid of its
 *   own, given by a trigger at insert: a table's implicit rowid may change on VACUUM), kept by
 *   triggers on insert, on updates of content, status or replaced_at, and on delete (conversation
 *   deletes cascade to them); existing messages are indexed here.
 */
export function up(dialect: MigrationDialect) {
  return async (db: Kysely<unknown>) => {
    if (dialect === "postgres") {
      await sql`create table message_search (
        message_id text primary key references messages(id) on delete cascade,
        search tsvector not null)`.execute(db);
      await sql`insert into message_search (message_id, search)
        select id, to_tsvector('simple', content) from messages
        where replaced_at is null and status <> 'streaming'`.execute(db);
      await sql`create index message_search_idx on message_search using gin (search)`.execute(db);
      await sql`create function message_search_sync() returns trigger language plpgsql as $$
        begin
          if new.replaced_at is null and new.status <> 'streaming' then
            insert into message_search (message_id, search) values (new.id, to_tsvector('simple', new.content))
              on conflict (message_id) do update set search = excluded.search;
          elsif tg_op = 'UPDATE' then
            delete from message_search where message_id = new.id;
          end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger message_search_insert after insert on messages for each row
        when (new.replaced_at is null and new.status <> 'streaming')
        execute function message_search_sync()`.execute(db);
      // Not on the progress writes of a streaming answer (its content changes, its status does not).
      await sql`create trigger message_search_update after update of content, status, replaced_at on messages
        for each row when (old.status is distinct from new.status
          or old.replaced_at is distinct from new.replaced_at
          or (new.status <> 'streaming' and old.content is distinct from new.content))
        execute function message_search_sync()`.execute(db);
      return;
    }
    await sql`alter table messages add column search_rowid integer`.execute(db);
    await sql`update messages set search_rowid = rowid`.execute(db);
    await sql`create unique index messages_search_rowid_idx on messages (search_rowid)`.execute(db);
    await sql`create virtual table messages_fts using fts5(
      content, content='messages', content_rowid='search_rowid',
      tokenize='unicode61 remove_diacritics 2')`.execute(db);
    await sql`insert into messages_fts(rowid, content)
      select search_rowid, content from messages
      where replaced_at is null and status <> 'streaming'`.execute(db);
    // The next search_rowid, whatever the insert gave (a copied row must not keep its source's).
    // This update changes no indexed column, so it does not fire the update trigger.
    await sql`create trigger messages_fts_insert after insert on messages begin
      update messages set search_rowid = (select coalesce(max(search_rowid), 0) + 1 from messages)
        where rowid = new.rowid;
      insert into messages_fts(rowid, content)
        select search_rowid, content from messages
        where rowid = new.rowid and replaced_at is null and status <> 'streaming';
    end`.execute(db);
    // External content: a row leaves the index by its old values, and only if it was in it.
    await sql`create trigger messages_fts_update after update of content, status, replaced_at on messages begin
      insert into messages_fts(messages_fts, rowid, content)
        select 'delete', old.search_rowid, old.content
        where old.replaced_at is null and old.status <> 'streaming';
      insert into messages_fts(rowid, content)
        select new.search_rowid, new.content
        where new.replaced_at is null and new.status <> 'streaming';
    end`.execute(db);
    await sql`create trigger messages_fts_delete after delete on messages begin
      insert into messages_fts(messages_fts, rowid, content)
        select 'delete', old.search_rowid, old.content
        where old.replaced_at is null and old.status <> 'streaming';
    end`.execute(db);
  };
}

export function down(dialect: MigrationDialect) {
  return async (db: Kysely<unknown>) => {
    if (dialect === "postgres") {
      await sql`drop trigger if exists message_search_insert on messages`.execute(db);
      await sql`drop trigger if exists message_search_update on messages`.execute(db);
      await sql`drop function if exists message_search_sync()`.execute(db);
      await sql`drop table if exists message_search`.execute(db);
      return;
    }
    for (const trigger of ["messages_fts_insert", "messages_fts_update", "messages_fts_delete"])
      await sql`drop trigger if exists ${sql.raw(trigger)}`.execute(db);
    await sql`drop table if exists messages_fts`.execute(db);
    await sql`drop index if exists messages_search_rowid_idx`.execute(db);
    await sql`alter table messages drop column search_rowid`.execute(db);
  };
}
