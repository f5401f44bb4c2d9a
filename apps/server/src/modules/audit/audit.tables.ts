import type { JsonColumn } from "../../db/json.ts";

/**
 * One audit entry. `seq` is 1-based and gap-free; `hash` is the HMAC of every other column
 * (see `audit-hash.ts`) and `prev_hash` the hash of entry `seq - 1`.
 */
export interface AuditLogTable {
  seq: number;
  id: string;
  /** Milliseconds since the Unix epoch. */
  at: number;
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  target_type: string | null;
  target_id: string | null;
  team_id: string | null;
  request_id: string | null;
  ip: string | null;
  /** A JSON object, secrets redacted. */
  summary: JsonColumn;
  prev_hash: string;
  hash: string;
}

/**
 * Where the chain starts once retention has removed its oldest entries: the last removed entry's
 * seq and hash, sealed by `hash`. Row `slot = 1` only; absent until the first prune.
 */
export interface AuditAnchorTable {
  slot: number;
  pruned_through_seq: number;
  last_pruned_hash: string;
  pruned_at: number;
  hash: string;
}

/**
 * The sealed head: the seq and hash of the newest entry, sealed by `hash` (an HMAC with the audit
 * key), moved forward with every appended batch. It lives outside `audit_log` so that deleting
 * the newest entries shows (see docs/adr/0014-audit-anchor.md). Row `slot = 1` only, created by
 * its migration with `hash = ''` (not sealed yet) until the first append seals it.
 */
export interface AuditHeadTable {
  slot: number;
  head_seq: number;
  head_hash: string;
  hash: string;
}

/** Kysely types of the audit module's tables. */
export interface AuditTables {
  audit_log: AuditLogTable;
  audit_anchor: AuditAnchorTable;
  audit_head: AuditHeadTable;
}
