import { createHmac, type KeyObject } from "node:crypto";

/**
 * The audit HMAC key: raw bytes, or (faster when hashing many entries) a `KeyObject` made once
 * with `createSecretKey`, which spares every HMAC from importing the key again.
 */
export type AuditKey = Buffer | KeyObject;

/** The `prev_hash` of the first entry ever written: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** Every stored field of an audit entry except its own hash: what the hash seals. */
export interface SealedFields {
  seq: number;
  id: string;
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
  summary: Record<string, unknown>;
  prev_hash: string;
}

/** The fields of the retention anchor that its hash seals. */
export interface SealedAnchor {
  pruned_through_seq: number;
  last_pruned_hash: string;
  pruned_at: number;
}

/**
 * The hash of an audit entry: HMAC-SHA256 with the audit key over the entry's canonical form,
 * as 64 lower-case hex digits.
 *
 * Canonical form (version 1): the JSON array
 * `["parley.audit.v1", seq, id, at, action, outcome, actor_type, actor_id, actor_email,
 * target_type, target_id, team_id, request_id, ip, summary, prev_hash]`
 * serialised by {@link canonicalJson} (RFC 8785 style: no whitespace, object keys sorted by UTF-16
 * code units, numbers and strings as `JSON.stringify` writes them), encoded as UTF-8. Absent
 * optional fields are `null`; `at` is milliseconds since the epoch. Because the summary is
 * serialised canonically, the key order a database returns (PostgreSQL's jsonb reorders keys)
 * does not change the hash. Any change to the list, its order or the serialisation needs a new
 * version tag.
 * @example
 * const hash = entryHash(secrets.key("audit"), { ...fields, prev_hash: previous.hash });
 */
export function entryHash(key: AuditKey, f: SealedFields): string {
  const canonical = canonicalJson([
    "parley.audit.v1",
    f.seq,
    f.id,
    f.at,
    f.action,
    f.outcome,
    f.actor_type,
    f.actor_id,
    f.actor_email,
    f.target_type,
    f.target_id,
    f.team_id,
    f.request_id,
    f.ip,
    f.summary,
    f.prev_hash,
  ]);
  return hmac(key, canonical);
}

/**
 * The hash sealing the retention anchor, so that moving it (to hide deleted entries) needs the
 * key: HMAC-SHA256 over `["parley.audit-anchor.v1", pruned_through_seq, last_pruned_hash,
 * pruned_at]` in the same canonical form as {@link entryHash}.
 */
export function anchorHash(key: AuditKey, a: SealedAnchor): string {
  return hmac(
    key,
    canonicalJson(["parley.audit-anchor.v1", a.pruned_through_seq, a.last_pruned_hash, a.pruned_at]),
  );
}

/** The fields of the sealed head that its hash seals: the newest entry's seq and hash. */
export interface SealedHead {
  head_seq: number;
  head_hash: string;
}

/**
 * The hash sealing the chain's head, so that moving it back (to hide deleted newest entries)
 * needs the key: HMAC-SHA256 over `["parley.audit-head.v1", head_seq, head_hash]` in the same
 * canonical form as {@link entryHash}.
 * @example
 * const hash = headHash(key, { head_seq: last.seq, head_hash: last.hash });
 */
export function headHash(key: AuditKey, h: SealedHead): string {
  return hmac(key, canonicalJson(["parley.audit-head.v1", h.head_seq, h.head_hash]));
}

/**
 * The seal of a checkpoint (a copy of the head kept outside the database). Its own label: a
 * checkpoint copied into `audit_head` is not a valid head seal, and a head is not a checkpoint.
 */
export function checkpointHash(key: AuditKey, h: SealedHead): string {
  return hmac(key, canonicalJson(["parley.audit-checkpoint.v1", h.head_seq, h.head_hash]));
}

/**
 * Deterministic JSON: no whitespace, object keys sorted by UTF-16 code units, `undefined`
 * object members left out (as `JSON.stringify` does). Throws on values JSON cannot hold
 * (non-finite numbers, bigints, functions) instead of writing something ambiguous.
 * @example
 * canonicalJson({ b: 1, a: [true, null] }); // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot serialise ${String(value)} canonically`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(",")}]`;
      const members = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
      return `{${members.join(",")}}`;
    }
    default:
      // bigint, function, symbol, undefined
      throw new TypeError(`cannot serialise a ${typeof value} canonically`);
  }
}

function hmac(key: AuditKey, canonical: string): string {
  return createHmac("sha256", key).update(canonical, "utf8").digest("hex");
}
