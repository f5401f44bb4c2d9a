import { createSecretKey, randomUUID, type KeyObject } from "node:crypto";
import type {
  AuditEntry,
  AuditEvent,
  AuditListQuery,
  AuditOutcome,
  AuditActorType,
  AuditPage,
  AuditVerification,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { BlobStore } from "../../platform/blob/blob.port.ts";
import type { Database } from "../../platform/db/database.ts";
import type { Secrets } from "../../platform/secrets.ts";
import { ChainChecker, type ChainBreak } from "./audit-chain.ts";
import { decodeCursor, encodeCursor } from "./audit-cursor.ts";
import { anchorHash, entryHash, GENESIS_HASH } from "./audit-hash.ts";
import { AuditCheckpoints } from "./audit-checkpoint.ts";
import { checkpointBreak, headBreak, headState, type HeadRow } from "./audit-head.ts";
import { normalizeEvent } from "./audit-normalize.ts";
import { AuditRepository, type AnchorRow, type AuditRow } from "./audit.repository.ts";

/** Dependencies of the audit service. */
export interface AuditServiceDeps {
  database: Database;
  secrets: Secrets;
  clock: Clock;
  /**
   * Where the checkpoint of the sealed head is kept, outside the database (ADR 0014). Without it
   * (one-shot CLI commands), rolling the head row back together with the newest entries goes
   * unnoticed.
   */
  checkpoints?: BlobStore;
}

/**
 * Which entries a reader may see: every entry, or only those of some teams (entries without a
 * team are then hidden).
 */
export type AuditScope =
  { readonly allTeams: true } | { readonly allTeams: false; readonly teamIds: readonly string[] };

/** Every entry: for global auditors and internal callers. */
export const ALL_TEAMS: AuditScope = { allTeams: true };

/** Default retention of audit entries. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;
const VERIFY_BATCH = 500;
const MAX_VERIFY_ATTEMPTS = 20;
const PRUNE_BATCH = 1_000;

/**
 * The audit log: appends hash-chained entries, lists them, verifies the chain and applies
 * retention. Callers pass summaries without secrets; values under secret-looking keys are
 * redacted anyway (see `audit-normalize.ts`).
 */
export class AuditService {
  readonly #repo: AuditRepository;
  readonly #key: KeyObject;
  readonly #clock: Clock;
  readonly #checkpoints: AuditCheckpoints | null;
  #checkpointRead: Promise<void> | undefined;
  #checkpointChecked = false;

  constructor(deps: AuditServiceDeps) {
    this.#key = createSecretKey(deps.secrets.key("audit"));
    this.#repo = new AuditRepository(deps.database, this.#key);
    this.#clock = deps.clock;
    this.#checkpoints = deps.checkpoints ? new AuditCheckpoints(deps.checkpoints, this.#key) : null;
  }

  /**
   * Appends one event to the chain and returns the stored entry. Appends from any number of
   * processes form one chain.
   * @throws ZodError when the event is malformed (a bug in the caller).
   * @example
   * await audit.record({ action: "api_key.created", outcome: "success", actor, target: { type: "api_key", id } });
   */
  async record(event: AuditEvent): Promise<AuditEntry> {
    const fields = normalizeEvent(event);
    const id = randomUUID();
    await this.#learnOfCheckpoint();
    const row = await this.#repo.append((head) => {
      // The time is read under the chain's lock, so that it rarely runs backwards along seq.
      const sealed = { ...fields, seq: head.seq + 1, id, at: this.#clock.now(), prev_hash: head.hash };
      return { ...sealed, hash: entryHash(this.#key, sealed) };
    });
    return toEntry(row);
  }

  /**
   * One page of entries, newest first, matching every given filter and visible in `scope`.
   * @throws AppError `audit.cursor_invalid` for a cursor this service did not hand out.
   */
  async list(query: Partial<AuditListQuery> = {}, scope: AuditScope = ALL_TEAMS): Promise<AuditPage> {
    const limit = Math.min(Math.max(Math.trunc(query.limit ?? 50), 1), 200);
    const beforeSeq = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const teamIds = scope.allTeams ? undefined : scope.teamIds;
    // Another team is invisible, not forbidden: as if it did not exist.
    if (teamIds && query.teamId !== undefined && !teamIds.includes(query.teamId)) {
      throw new AppError("team.not_found", `No team ${query.teamId}`);
    }
    const rows = await this.#repo.list(
      {
        ...pick(query, ["action", "actorId", "actor", "targetType", "targetId", "teamId", "outcome"]),
        ...(query.from === undefined ? {} : { fromMs: Date.parse(query.from) }),
        ...(query.to === undefined ? {} : { toMs: Date.parse(query.to) }),
        ...(beforeSeq === undefined ? {} : { beforeSeq }),
        ...(teamIds === undefined ? {} : { teamIds }),
      },
      limit + 1,
    );
    const items = rows.slice(0, limit).map(toEntry);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.seq) : null };
  }

  /**
   * Every entry the filters match, newest first, page by page (at most `max`): what an export
   * writes out as it reads, never holding the whole log in memory.
   */
  async *entries(
    query: Omit<AuditListQuery, "cursor" | "limit">,
    scope: AuditScope,
    max: number,
  ): AsyncGenerator<AuditEntry> {
    let cursor: string | undefined;
    let count = 0;
    do {
      const page = await this.list({ ...query, limit: 200, ...(cursor ? { cursor } : {}) }, scope);
      for (const entry of page.items) {
        if (count++ >= max) return;
        yield entry;
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /**
   * Walks the whole chain in batches and reports the first broken link: an entry edited,
   * missing or out of place, a tampered retention anchor, or (against the sealed head read before
   * the walk) the newest entries deleted or the head itself tampered with. A prune running
   * meanwhile deletes entries ahead of the walk and moves the anchor: a break seen while the
   * anchor moved is not reported; the walk starts over (each prune batch moves it once, so this
   * ends).
   */
  async verify(): Promise<AuditVerification> {
    for (let attempt = 1; ; attempt++) {
      const anchor = await this.#repo.anchor();
      // Read after the anchor and before the walk: every entry up to the head (and up to the
      // checkpoint) is then either in the table or pruned behind a newer anchor (which restarts
      // the walk).
      const head = await this.#repo.head();
      const checkpoint = (await this.#checkpoints?.read()) ?? null;
      const result = await this.#walk(anchor, head, checkpoint);
      if (result.ok) {
        if (head && headState(this.#key, head) === "sealed") await this.#checkpoints?.advance(head);
        return result;
      }
      if (attempt === MAX_VERIFY_ATTEMPTS) return result;
      const now = await this.#repo.anchor();
      if (now?.pruned_through_seq === anchor?.pruned_through_seq) return result;
    }
  }

  /**
   * Once a checkpoint exists the head was sealed before: from then on an unsealed head is never
   * adopted by an append (it was reset behind the application's back). Read once per process.
   */
  async #learnOfCheckpoint(): Promise<void> {
    if (this.#checkpointChecked || !this.#checkpoints) return;
    this.#checkpointRead ??= this.#checkpoints.read().then((checkpoint) => {
      if (checkpoint !== null) this.#repo.refuseUnsealedHead();
      this.#checkpointChecked = true;
    });
    await this.#checkpointRead;
  }

  /**
   * Copies the sealed head to the checkpoint outside the database, if it is sealed, continues
   * the chain through the current checkpoint and is further along. The retention job calls this
   * on every tick; a successful `verify` does it too.
   */
  async checkpoint(): Promise<void> {
    if (!this.#checkpoints) return;
    const head = await this.#repo.head();
    if (!head || headState(this.#key, head) !== "sealed") return;
    const current = await this.#checkpoints.read();
    if (current && current.head_seq > (await this.#repo.prunedThroughSeq())) {
      // Only an entry still at the checkpoint's seq with its hash proves the head continues it.
      if ((await this.#repo.hashAt(current.head_seq)) !== current.head_hash) return;
    }
    await this.#checkpoints.advance(head);
    this.#repo.refuseUnsealedHead();
  }

  /**
   * Deletes the entries older than `retentionDays` (a prefix of the chain, in batches, each
   * moving the anchor in the same locked transaction), then records `audit.pruned`. Nothing
   * to delete is a no-op that records nothing.
   */
  async prune(retentionDays: number): Promise<{ deleted: number }> {
    if (!Number.isFinite(retentionDays) || retentionDays <= 0) {
      throw new RangeError(`retentionDays must be a positive number, got ${retentionDays}`);
    }
    const now = this.#clock.now();
    const cutoff = now - retentionDays * DAY_MS;
    let deleted = 0;
    let anchor: AnchorRow | null = null;
    for (;;) {
      const batch = await this.#repo.pruneBatch(cutoff, PRUNE_BATCH, now, (a) => anchorHash(this.#key, a));
      deleted += batch.deleted;
      anchor = batch.anchor ?? anchor;
      if (batch.deleted < PRUNE_BATCH) break;
    }
    if (deleted > 0) {
      await this.record({
        action: "audit.pruned",
        outcome: "success",
        actor: { type: "system", id: null },
        summary: {
          deleted,
          retentionDays,
          before: new Date(cutoff).toISOString(),
          prunedThroughSeq: anchor?.pruned_through_seq ?? null,
        },
      });
    }
    return { deleted };
  }

  async #walk(
    anchor: AnchorRow | null,
    head: HeadRow | null,
    checkpoint: HeadRow | null,
  ): Promise<AuditVerification> {
    const checker = new ChainChecker(this.#key, anchor);
    const report = (broken: ChainBreak | null): AuditVerification => ({
      ok: broken === null,
      checked: checker.checked,
      firstBrokenSeq: broken?.seq ?? null,
      reason: broken?.reason ?? null,
      problem: broken?.problem ?? null,
      headSeq: head && headState(this.#key, head) === "sealed" ? head.head_seq : null,
      anchor: anchor
        ? { prunedThroughSeq: anchor.pruned_through_seq, prunedAt: new Date(anchor.pruned_at).toISOString() }
        : null,
    });
    const prunedThroughSeq = anchor?.pruned_through_seq ?? 0;
    // The hashes the walk sees at the head's and the checkpoint's seqs.
    const seen = new Map<number, string>([[prunedThroughSeq, anchor?.last_pruned_hash ?? GENESIS_HASH]]);
    const watched = new Set([head?.head_seq, checkpoint?.head_seq]);
    let rows = await this.#repo.after(0, VERIFY_BATCH);
    if (!checker.anchorIntact()) {
      return report({
        seq: rows[0]?.seq ?? null,
        problem: "anchor_modified",
        reason: "the retention anchor was modified",
      });
    }
    while (rows.length > 0) {
      for (const row of rows) {
        const broken = checker.next(row);
        if (broken) return report(broken);
        if (watched.has(row.seq)) seen.set(row.seq, row.hash);
      }
      const last = rows.at(-1);
      rows = rows.length < VERIFY_BATCH || !last ? [] : await this.#repo.after(last.seq, VERIFY_BATCH);
    }
    const walk = { end: checker.end, prunedThroughSeq, hashAt: (seq: number) => seen.get(seq) ?? null };
    return report(
      headBreak(this.#key, head, walk, checkpoint !== null) ?? checkpointBreak(this.#key, checkpoint, walk),
    );
  }
}

/** A stored row as the API shows it. */
function toEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    id: row.id,
    at: new Date(row.at).toISOString(),
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    actor: { type: row.actor_type as AuditActorType, id: row.actor_id, email: row.actor_email },
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
    teamId: row.team_id,
    requestId: row.request_id,
    ip: row.ip,
    summary: row.summary,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  return out;
}
