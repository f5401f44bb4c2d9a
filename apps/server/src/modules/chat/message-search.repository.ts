import { sql, type Kysely, type RawBuilder } from "kysely";
import { fts5AllPrefixes, tsqueryAllPrefixes } from "../../db/full-text.ts";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { ChatTables } from "./chat.tables.ts";

/** Which conversations a search may look in (the caller's, as the conversation list reads them). */
export interface SearchScope {
  /** Whose personal conversations (null: none). */
  userId: string | null;
  /** Teams whose conversations (all of them). */
  teamIds: readonly string[];
  /** Only this team's (already checked readable). */
  teamId?: string;
  projectId?: string;
}

/** A row found: a message (message_id set) or a conversation by its title (message_id null). */
export interface SearchRow {
  conversation_id: string;
  title: string;
  team_id: string | null;
  project_id: string | null;
  updated_at: number;
  message_id: string | null;
  role: string | null;
  created_at: number | null;
  /** The message's content, or the title. */
  body: string;
}

/**
 * The full-text search of messages (FTS5 `messages_fts` on SQLite, the stored `tsvector`s of
 * `message_search` on PostgreSQL; see the 2026-12-09T1400 migration) and of conversation titles.
 */
export class MessageSearchRepository {
  readonly #db: Kysely<ChatTables>;
  readonly #dialect: Database["dialect"];
  constructor(database: Pick<Database, "db" | "dialect">) {
    this.#db = tablesOf<ChatTables>(database.db);
    this.#dialect = database.dialect;
  }

  /**
   * Conversations whose title holds every word (newest change first), then messages that hold
   * every word (each also as a prefix), best ranked first (BM25 on SQLite; on PostgreSQL
   * `ts_rank_cd` divided by 1 + the log of the message's length, as BM25 favours short ones), then newest; `offset` rows skipped.
   * @param words from `searchWords` (letters and digits only), at least one.
   */
  async search(words: readonly string[], scope: SearchScope, offset: number, limit: number) {
    const where = scopeSql(scope);
    const titleMatch = sql.join(
      words.map((w) => sql`lower(c.title) like ${`%${w.replace(/[%_\\]/g, "\\$&")}%`} escape '\\'`),
      sql` and `,
    );
    const titles = sql`
      select 0 as kind, c.id as conversation_id, c.title, c.team_id, c.project_id, c.updated_at,
             null as message_id, null as role, null as created_at, c.title as body,
             0 as score, c.updated_at as sort_at
      from conversations c
      where ${where} and ${titleMatch}`;
    // SQLite: the full-text match drives (CROSS JOIN keeps that order), each match checked
    // against the caller's readable messages, gathered once (`+` keeps that set away from FTS5,
    // which would otherwise evaluate the MATCH again for each of them: seconds at 100k messages).
    const messages =
      this.#dialect === "postgres"
        ? sql`
      select 1 as kind, c.id as conversation_id, c.title, c.team_id, c.project_id, c.updated_at,
             m.id as message_id, m.role, m.created_at, m.content as body,
             ts_rank_cd(s.search, tsq, 1) as score, m.created_at as sort_at
      from messages m
      join conversations c on c.id = m.conversation_id
      join message_search s on s.message_id = m.id
      cross join to_tsquery('simple', ${tsqueryAllPrefixes(words)}) tsq
      where s.search @@ tsq
        and m.replaced_at is null and m.status <> 'streaming' and ${where}`
        : sql`
      select 1 as kind, c.id as conversation_id, c.title, c.team_id, c.project_id, c.updated_at,
             m.id as message_id, m.role, m.created_at, m.content as body,
             -bm25(messages_fts) as score, m.created_at as sort_at
      from messages_fts
      cross join messages m on m.search_rowid = messages_fts.rowid
      cross join conversations c on c.id = m.conversation_id
      where messages_fts match ${fts5AllPrefixes(words)}
        and +messages_fts.rowid in (
          select readable.search_rowid from conversations c
          cross join messages readable on readable.conversation_id = c.id
          where ${where})
        and m.replaced_at is null and m.status <> 'streaming' and ${where}`;
    const { rows } = await sql<SearchRow>`
      select conversation_id, title, team_id, project_id, updated_at, message_id, role, created_at, body
      from (${titles} union all ${messages}) hits
      order by kind, score desc, sort_at desc, conversation_id desc, message_id desc
      limit ${limit} offset ${offset}`.execute(this.#db);
    return rows;
  }
}

/** The web app's conversations of the scope, as a condition on `c`. */
function scopeSql(scope: SearchScope): RawBuilder<unknown> {
  const readable = scope.teamId
    ? sql`c.team_id = ${scope.teamId}`
    : sql`(${sql.join(
        [
          ...(scope.userId !== null ? [sql`(c.user_id = ${scope.userId} and c.team_id is null)`] : []),
          ...(scope.teamIds.length
            ? [sql`c.team_id in (${sql.join(scope.teamIds.map((t) => sql`${t}`))})`]
            : []),
          // Nothing at all for a caller who may read neither.
          sql`1 = 0`,
        ],
        sql` or `,
      )})`;
  // Visitors' conversations through a widget or bot are not the web app's to search.
  const held = sql`${readable} and c.channel = 'web'`;
  return scope.projectId ? sql`${held} and c.project_id = ${scope.projectId}` : held;
}
