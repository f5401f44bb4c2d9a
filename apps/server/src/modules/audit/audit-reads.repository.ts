import type { Kysely } from "kysely";
import { GENESIS_HASH } from "./audit-hash.ts";
import type { ChainHead, HeadRow } from "./audit-head.ts";
import type { AnchorRow } from "./audit.repository.ts";
import type { AuditTables as Tables } from "./audit.tables.ts";

/*
 * Reads of the chain's ends, shared by the repository's appends, prunes and verification. They
 * take the executor so that they can run inside the chain's locked transaction.
 */

/** The end of the stored chain: the last entry, else the retention anchor, else genesis. */
export async function readHead(db: Kysely<Tables>): Promise<ChainHead> {
  const last = await db
    .selectFrom("audit_log")
    .select(["seq", "hash"])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  if (last) return last;
  const anchor = await readAnchor(db);
  return anchor
    ? { seq: anchor.pruned_through_seq, hash: anchor.last_pruned_hash }
    : { seq: 0, hash: GENESIS_HASH };
}

/** The sealed head row, or null when it is missing. */
export async function readHeadRow(db: Kysely<Tables>): Promise<HeadRow | null> {
  const row = await db
    .selectFrom("audit_head")
    .select(["head_seq", "head_hash", "hash"])
    .where("slot", "=", 1)
    .executeTakeFirst();
  return row ?? null;
}

/** The retention anchor, or null while nothing was ever pruned. */
export async function readAnchor(db: Kysely<Tables>): Promise<AnchorRow | null> {
  const row = await db
    .selectFrom("audit_anchor")
    .select(["pruned_through_seq", "last_pruned_hash", "pruned_at", "hash"])
    .where("slot", "=", 1)
    .executeTakeFirst();
  return row ?? null;
}
