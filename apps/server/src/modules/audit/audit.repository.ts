import { setTimeout as sleep } from "node:timers/promises";
import { sql, type Insertable, type Kysely, type Selectable } from "kysely";
import { fromJson, toJson } from "../../db/json.ts";
import { tablesOf, type Database } from "../../platform/db/database.ts";
import type { AuditKey, SealedAnchor, SealedFields } from "./audit-hash.ts";
import { appendStart, sealHead, type ChainHead, type HeadRow } from "./audit-head.ts";
import { readAnchor, readHead, readHeadRow } from "./audit-reads.repository.ts";
import { AppendQueue } from "../../platform/db/group-commit.ts";
import type { AuditAnchorTable, AuditLogTable, AuditTables as Tables } from "./audit.tables.ts";

/** A stored audit entry with its summary parsed. */
export interface AuditRow extends SealedFields {
  hash: string;
}

/** The retention anchor as stored. */
export type AnchorRow = Omit<Selectable<AuditAnchorTable>, "slot">;

/** Filters of a list query, in storage terms. */
export interface AuditRowFilter {
  /** An action, or a prefix ending in `*`. */
  action?: string;
  actorId?: string;
  /** An actor's id, or e-mail in any case. */
  actor?: string;
  targetType?: string;
  targetId?: string;
  teamId?: string;
  outcome?: string;
  fromMs?: number;
  toMs?: number;
  /** Only entries with a smaller seq (the cursor). */
  beforeSeq?: number;
  /** Only entries of these teams; undefined for every entry. */
  teamIds?: readonly string[];
}

/** One batch of a prune: how many entries went, and the new anchor. */
export interface PrunedBatch {
  deleted: number;
  anchor: AnchorRow | null;
}

/**
 * PostgreSQL advisory lock key serialising every write to the chain, in every process. Any
 * fixed bigint works; this one is "audit" in ASCII, clear of the migrator's key.
 */
const CHAIN_LOCK_KEY = 0x6175646974;

/** SQLite appends retry when another connection extended the chain between read and insert. */
const MAX_SQLITE_ATTEMPTS = 200;

/** Most entries written in one batch (16 parameters each). */
const MAX_BATCH = 200;

/** Makes an entry from the head it will follow. */
export type EntryBuilder = (head: ChainHead) => AuditRow;

/** All SQL of the audit module. */
export class AuditRepository {
  readonly #database: Database;
  readonly #db: Kysely<Tables>;
  readonly #queue: AppendQueue<EntryBuilder, AuditRow>;
  readonly #key: AuditKey;
  #adoptUnsealed = true;

  /** `key` seals the head of the chain that every appended batch moves. */
  constructor(database: Database, key: AuditKey) {
    this.#database = database;
    this.#db = tablesOf<Tables>(database.db);
    this.#key = key;
    this.#queue = new AppendQueue((builds) => this.#appendBatch(builds), MAX_BATCH);
  }

  /**
   * Appends the entry `build` makes from the current head of the chain. Appends of this process
   * are grouped (see `AppendQueue`); every batch links to the entry before it even with several
   * processes appending.
   */
  /** From now on, an unsealed head is a reset to report, not one to adopt (see `appendStart`). */
  refuseUnsealedHead(): void {
    this.#adoptUnsealed = false;
  }

  append(build: EntryBuilder): Promise<AuditRow> {
    return this.#queue.enqueue(build);
  }

  /**
   * Writes a batch as the next entries of the chain and moves the sealed head to its last entry
   * (one head write per batch, not per entry). Where the batch starts is `appendStart`'s call: it
   * never lets an append paper over deleted newest entries.
   *
   * PostgreSQL: inside a transaction holding `pg_advisory_xact_lock`, so entries and head move
   * together. SQLite: a write lock must never be held across an `await` (better-sqlite3 waits for
   * locks synchronously, blocking the event loop that would release them), so the insert is one
   * statement that only succeeds if nothing was appended (or pruned past it) since the head was
   * read, else it retries; the head follows in a second statement that only moves it forward. A
   * crash between the two leaves the head behind the log, which verification accepts (entries
   * past the head are sealed by their own hashes) and the next append repairs.
   */
  async #appendBatch(builds: EntryBuilder[]): Promise<AuditRow[]> {
    if (this.#database.dialect === "postgres") {
      return this.#lockedTransaction(async (trx) => {
        const start = appendStart(
          this.#key,
          await readHead(trx),
          await readHeadRow(trx),
          this.#adoptUnsealed,
        );
        const rows = chain(start.from, builds);
        await trx.insertInto("audit_log").values(rows.map(toInsert)).execute();
        if (start.moveHead) await this.#moveHead(trx, rows);
        return rows;
      });
    }
    for (let attempt = 1; ; attempt++) {
      const start = appendStart(
        this.#key,
        await readHead(this.#db),
        await readHeadRow(this.#db),
        this.#adoptUnsealed,
      );
      const rows = chain(start.from, builds);
      const first = rows[0]?.seq ?? 0;
      const inserts = rows.map(toInsert);
      const columns = Object.keys(inserts[0] ?? {}) as (keyof Insertable<AuditLogTable>)[];
      const tuples = inserts.map((values) => sql`(${sql.join(columns.map((c) => values[c]))})`);
      const result = await sql`
        insert into audit_log (${sql.join(columns.map((c) => sql.ref(c)))})
        select * from (values ${sql.join(tuples)})
        where not exists (select 1 from audit_log where seq >= ${first})
          and not exists (select 1 from audit_anchor where pruned_through_seq >= ${first})
      `.execute(this.#db);
      if (result.numAffectedRows === BigInt(rows.length)) {
        if (start.moveHead) await this.#moveHead(this.#db, rows);
        return rows;
      }
      if (attempt >= MAX_SQLITE_ATTEMPTS) {
        throw new Error(`audit append lost the race ${attempt} times; the database is too busy`);
      }
      await sleep(Math.random() * Math.min(attempt, 10));
    }
  }

  /** Seals the batch's last entry as the head; never moves the head backwards. */
  async #moveHead(db: Kysely<Tables>, rows: AuditRow[]): Promise<void> {
    const last = rows.at(-1);
    if (!last) return;
    const head = sealHead(this.#key, last);
    await db
      .updateTable("audit_head")
      .set(head)
      .where("slot", "=", 1)
      .where("head_seq", "<", head.head_seq)
      .execute();
  }

  /** The hash of the entry at `seq`, or null when there is none. */
  async hashAt(seq: number): Promise<string | null> {
    const row = await this.#db
      .selectFrom("audit_log")
      .select("hash")
      .where("seq", "=", seq)
      .executeTakeFirst();
    return row?.hash ?? null;
  }

  /** How far retention has pruned: the anchor's seq, 0 before the first prune. */
  async prunedThroughSeq(): Promise<number> {
    return (await readAnchor(this.#db))?.pruned_through_seq ?? 0;
  }

  /** The sealed head, or null when its row is missing. */
  async head(): Promise<HeadRow | null> {
    return readHeadRow(this.#db);
  }

  /** Entries matching `filter`, newest first. */
  async list(filter: AuditRowFilter, limit: number): Promise<AuditRow[]> {
    let q = this.#db.selectFrom("audit_log").selectAll();
    if (filter.action?.endsWith("*")) {
      const prefix = filter.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
      q = q.where(sql<boolean>`action like ${`${prefix}%`} escape '\\'`);
    } else if (filter.action !== undefined) q = q.where("action", "=", filter.action);
    if (filter.actorId !== undefined) q = q.where("actor_id", "=", filter.actorId);
    if (filter.actor !== undefined) {
      const actor = filter.actor;
      q = q.where((eb) =>
        eb.or([eb("actor_id", "=", actor), eb(eb.fn("lower", ["actor_email"]), "=", actor.toLowerCase())]),
      );
    }
    if (filter.targetType !== undefined) q = q.where("target_type", "=", filter.targetType);
    if (filter.targetId !== undefined) q = q.where("target_id", "=", filter.targetId);
    if (filter.teamId !== undefined) q = q.where("team_id", "=", filter.teamId);
    if (filter.outcome !== undefined) q = q.where("outcome", "=", filter.outcome);
    if (filter.fromMs !== undefined) q = q.where("at", ">=", filter.fromMs);
    if (filter.toMs !== undefined) q = q.where("at", "<", filter.toMs);
    if (filter.beforeSeq !== undefined) q = q.where("seq", "<", filter.beforeSeq);
    if (filter.teamIds !== undefined) {
      if (filter.teamIds.length === 0) return [];
      q = q.where("team_id", "in", [...filter.teamIds]);
    }
    const rows = await q.orderBy("seq", "desc").limit(limit).execute();
    return rows.map(fromRow);
  }

  /** Up to `limit` entries after `afterSeq`, oldest first: one step of a chain walk. */
  async after(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.#db
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", ">", afterSeq)
      .orderBy("seq", "asc")
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /** The retention anchor, or null while nothing was ever pruned. */
  async anchor(): Promise<AnchorRow | null> {
    return readAnchor(this.#db);
  }

  /**
   * Deletes the oldest entries (at most `maxRows`) up to the first one at or after `cutoffMs`,
   * always a prefix of the chain, and moves the anchor to the last deleted entry in the same
   * locked transaction.
   */
  async pruneBatch(
    cutoffMs: number,
    maxRows: number,
    now: number,
    seal: (anchor: SealedAnchor) => string,
  ): Promise<PrunedBatch> {
    return this.#lockedTransaction(async (trx) => {
      // The batch's candidates in chain order; the prefix ends before the first recent one, so
      // an entry whose clock ran behind never leaves a hole.
      const oldest = await trx
        .selectFrom("audit_log")
        .select(["seq", "hash", "at"])
        .orderBy("seq", "asc")
        .limit(maxRows)
        .execute();
      const kept = oldest.findIndex((r) => r.at >= cutoffMs);
      const last = oldest[(kept === -1 ? oldest.length : kept) - 1];
      if (!last) return { deleted: 0, anchor: null };
      const deleted = await trx.deleteFrom("audit_log").where("seq", "<=", last.seq).executeTakeFirst();
      const sealed = { pruned_through_seq: last.seq, last_pruned_hash: last.hash, pruned_at: now };
      const anchor = { ...sealed, hash: seal(sealed) };
      await trx
        .insertInto("audit_anchor")
        .values({ slot: 1, ...anchor })
        .onConflict((oc) => oc.column("slot").doUpdateSet(anchor))
        .execute();
      return { deleted: Number(deleted.numDeletedRows), anchor };
    });
  }

  /**
   * Runs `fn` as the only writer of the chain. PostgreSQL: a transaction holding the chain's
   * advisory lock. SQLite: `begin immediate` on the single connection (which Kysely lends to one
   * caller at a time), taking the file's write lock up front.
   */
  async #lockedTransaction<T>(fn: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
    if (this.#database.dialect === "postgres") {
      return this.#db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${sql.lit(CHAIN_LOCK_KEY)})`.execute(trx);
        return fn(trx);
      });
    }
    return this.#db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        // SQLite may already have rolled back (a full disk, say); the original error is the one
        // worth reporting either way.
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }
}

/** Builds entries one after the other, each following the previous. */
function chain(head: ChainHead, builds: EntryBuilder[]): AuditRow[] {
  const rows: AuditRow[] = [];
  let previous = head;
  for (const build of builds) {
    const row = build(previous);
    rows.push(row);
    previous = row;
  }
  return rows;
}

function toInsert(row: AuditRow): Insertable<AuditLogTable> {
  return { ...row, summary: toJson(row.summary) };
}

function fromRow(row: Selectable<Tables["audit_log"]>): AuditRow {
  return { ...row, summary: fromJson(row.summary) as Record<string, unknown> };
}
