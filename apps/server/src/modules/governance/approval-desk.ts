import {
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  governanceTopics,
  type ApprovalListQuery,
  type ApprovalStatus,
  type ApproveRequest,
  type DecisionMatch,
  type DenyRequest,
  type GovernanceApproval,
} from "@parley/contracts";
import type { Logger } from "pino";
import { decodeCursor, encodeCursor } from "../../db/cursor.ts";
import { toJson } from "../../db/json.ts";
import type { StageContext } from "../../kernel/ai-stage.ts";
import { AppError } from "../../kernel/app-error.ts";
import { iso, newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  requirePrincipal,
  teamsWhere,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import { systemContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { ApprovalRepository, ApprovalRow } from "./approval.repository.ts";
import type { DecisionLog, DecisionOrigin } from "./decision-log.ts";
import type { ActiveRule } from "./enforcement/rule-book.ts";

/** Dependencies of the approval desk. */
export interface ApprovalDeskDeps {
  approvals: ApprovalRepository;
  decisions: DecisionLog;
  clock: Clock;
  bus: TypedBus;
  logger: Logger;
  /** How often a waiting call reads its request again should an announcement be lost. */
  pollMs?: number;
}

/** What a call held for approval tells the caller while it waits. */
export interface Hold {
  approvalId: string;
  ruleName: string;
  expiresAt: string;
}

/** A call a `require_approval` rule holds. */
export interface HoldRequest {
  rule: ActiveRule;
  ctx: StageContext;
  matches: readonly DecisionMatch[];
  reason: string;
  /** The prompt's last text with what the rule found masked (what the approver reads). */
  preview: string;
  signal?: AbortSignal;
  onHold?: (hold: Hold) => void;
}

const PREVIEW_CHARS = 2_000;
/** Overdue requests one sweep reads at a time, and batches at most (the next sweep goes on). */
const SWEEP_BATCH = 100;
const SWEEP_BATCHES = 20;

/**
 * Calls held for approval: the stage files a request and waits; someone with
 * `governance:approve` where the call was made (never its asker) approves or denies it with a
 * reason; no decision before the rule's time runs out means denied. A request is decided once
 * (a conditional update); the waiting call hears of it on the bus, and reads it again every few
 * seconds should it miss that.
 */
export class ApprovalDesk {
  readonly #d: ApprovalDeskDeps;
  readonly #wake = new Map<string, Set<() => void>>();

  constructor(deps: ApprovalDeskDeps) {
    this.#d = deps;
  }

  /** Wakes the calls waiting here for `id` (a decision was announced). */
  decided(id: string): void {
    for (const wake of this.#wake.get(id) ?? []) wake();
  }

  /**
   * Files the request and waits for its decision.
   * @throws AppError `governance.approval_denied` when denied, expired or cancelled.
   */
  async hold(request: HoldRequest): Promise<void> {
    const { rule, ctx } = request;
    const now = this.#d.clock.now();
    const seconds = rule.spec?.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS;
    const row = {
      id: newId(),
      status: "pending",
      created_at: now,
      expires_at: now + seconds * 1000,
      rule_id: rule.id,
      rule_version: rule.version,
      rule_name: rule.name,
      team_id: ctx.teamId,
      project_id: ctx.projectId,
      surface: ctx.surface,
      model: ctx.requested.id,
      requester_id: ctx.principal.userId,
      requester_email: ctx.principal.email,
      api_key_id: ctx.principal.apiKey?.id ?? null,
      request_id: ctx.request.requestId,
      reason: request.reason,
      matches: toJson(request.matches),
      preview: request.preview.slice(-PREVIEW_CHARS),
      decided_by: null,
      decided_at: null,
      decision_reason: null,
    } satisfies ApprovalRow & { matches: string };
    // The request and its hold decision in one transaction: no request without its hold on record.
    await this.#d.decisions.recordWithin(
      [
        {
          rule: ruleRef(row),
          tier: "before",
          action: "hold",
          matches: request.matches,
          reason: request.reason,
        },
      ],
      ctx,
      (decisions) => this.#d.approvals.insert(row, decisions),
    );
    request.onHold?.({ approvalId: row.id, ruleName: rule.name, expiresAt: iso(row.expires_at) });
    await this.#wait(row, request.signal);
  }

  async list(
    query: ApprovalListQuery,
    ctx: RequestContext,
  ): Promise<{ items: GovernanceApproval[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "governance:read", query.teamId, "Reading this team's approvals");
    const now = this.#d.clock.now();
    const rows = await this.#d.approvals.list(
      {
        teamIds: teamsWhere(principal, "governance:approve"),
        orgWide: can(principal, "governance:approve", null),
        requesterId: principal.userId,
        ownTeamId: boundTeam(principal),
      },
      {
        // An expired request is stored as expired, or still as pending if its waiting call is gone.
        ...(query.status && query.status !== "expired" ? { status: query.status } : {}),
        ...(query.teamId ? { teamId: query.teamId } : {}),
      },
      { limit: query.limit + 1, ...(query.cursor ? { before: decodeAtCursor(query.cursor) } : {}) },
    );
    // A pending request past its time is expired, whether or not its waiting call noticed yet.
    const shown = rows.filter((r) => !query.status || statusOf(r, now) === query.status);
    const page = shown.slice(0, query.limit);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return {
      items: page.map((r) => toApproval(r, now)),
      nextCursor: last ? encodeCursor(JSON.stringify([last.created_at, last.id])) : null,
    };
  }

  /** One request, for those who may decide it (its asker follows it through the call itself). */
  async get(id: string, ctx: RequestContext): Promise<GovernanceApproval> {
    const principal = requirePrincipal(ctx);
    const row = await this.#d.approvals.find(id);
    if (!row || !canApproveIn(principal, row.team_id))
      throw new AppError("governance.approval_not_found", `No approval request ${id}`);
    return toApproval(row, this.#d.clock.now());
  }

  /** @throws AppError `governance.approval_not_found`, `auth.forbidden`, `governance.approval_decided`. */
  approve(id: string, input: ApproveRequest, ctx: RequestContext): Promise<GovernanceApproval> {
    return this.#decide(id, "approved", input.reason ?? null, ctx);
  }

  /** @throws AppError `governance.approval_not_found`, `auth.forbidden`, `governance.approval_decided`. */
  deny(id: string, input: DenyRequest, ctx: RequestContext): Promise<GovernanceApproval> {
    return this.#decide(id, "denied", input.reason, ctx);
  }

  async #decide(
    id: string,
    status: "approved" | "denied",
    reason: string | null,
    ctx: RequestContext,
  ): Promise<GovernanceApproval> {
    const principal = requirePrincipal(ctx);
    if (principal.apiKey)
      throw new AppError("auth.forbidden", "Approving or denying is a person's decision: sign in to do it", {
        details: { reason: "api_key" },
      });
    const row = await this.#visible(id, principal);
    if (!can(principal, "governance:approve", row.team_id))
      throw new AppError("auth.forbidden", "Deciding this request needs the governance:approve permission", {
        details: { permission: "governance:approve" },
      });
    if (row.requester_id === principal.userId)
      throw new AppError("auth.forbidden", "A call you made must be approved or denied by someone else", {
        details: { reason: "own_request" },
      });
    const now = this.#d.clock.now();
    const change = { status, decided_by: principal.userId, decided_at: now, decision_reason: reason };
    if (!(await this.#d.approvals.decide(id, change, now, { expiring: false }))) {
      const current = await this.#d.approvals.find(id);
      const state = current ? statusOf(current, now) : "cancelled";
      throw new AppError(
        "governance.approval_decided",
        `This request is ${state} already: nothing left to decide`,
        {
          details: { status: state },
        },
      );
    }
    const decided = { ...row, ...change };
    await this.#d.decisions.recordFor(
      [
        {
          rule: ruleRef(row),
          tier: "before",
          action: status === "approved" ? "approve" : "deny",
          matches: [],
          reason: reason ?? (status === "approved" ? "approved" : "denied"),
        },
      ],
      originOf(row, { actorId: principal.userId, apiKeyId: null, request: ctx }),
    );
    this.#announce(id);
    return toApproval(decided, now);
  }

  async #wait(row: ApprovalRow, signal: AbortSignal | undefined): Promise<void> {
    const pollMs = this.#d.pollMs ?? 2_000;
    for (;;) {
      const current = (await this.#d.approvals.find(row.id)) ?? { ...row, status: "cancelled" };
      const now = this.#d.clock.now();
      if (current.status === "approved") return;
      if (current.status !== "pending") throw denied(current);
      if (now >= current.expires_at) {
        if (await this.#expire(current, now)) throw denied({ ...current, status: "expired" });
        continue; // decided at the last moment: read it again
      }
      if (signal?.aborted) {
        const change = {
          status: "cancelled",
          decided_by: null,
          decided_at: now,
          decision_reason: "the caller went away",
        };
        if (await this.#d.approvals.decide(row.id, change, now, { expiring: false })) {
          // The hold gets its outcome on record, as an expiry does.
          await this.#d.decisions.recordFor(
            [
              {
                rule: ruleRef(row),
                tier: "before",
                action: "deny",
                matches: [],
                reason: "cancelled: the caller went away",
              },
            ],
            originOf(row, { actorId: null, apiKeyId: null, request: systemContext }),
          );
          this.#announce(row.id);
          throw denied({ ...current, ...change });
        }
        continue;
      }
      await this.#sleep(row.id, Math.min(pollMs, current.expires_at - now), signal);
    }
  }

  /**
   * Expires the pending requests whose time ran out and records each as denied: those whose
   * waiting call died with its process would otherwise stay pending for ever. Conditional like
   * every decision, so sweeps on several pods (and a waiting call expiring its own) act once.
   * @returns how many this sweep expired.
   */
  async sweep(): Promise<number> {
    let expired = 0;
    for (let batch = 0; batch < SWEEP_BATCHES; batch++) {
      const now = this.#d.clock.now();
      const rows = await this.#d.approvals.overdue(now, SWEEP_BATCH);
      for (const row of rows) if (await this.#expire(row, now)) expired++;
      if (rows.length < SWEEP_BATCH) break;
    }
    return expired;
  }

  /** Expires a pending request whose time ran out; records it as denied. @returns whether this call did. */
  async #expire(row: ApprovalRow, now: number): Promise<boolean> {
    const reason = `no decision within ${Math.round((row.expires_at - row.created_at) / 1000)} s`;
    const change = { status: "expired", decided_by: null, decided_at: now, decision_reason: reason };
    if (!(await this.#d.approvals.decide(row.id, change, now, { expiring: true }))) return false;
    await this.#d.decisions.recordFor(
      [{ rule: ruleRef(row), tier: "before", action: "deny", matches: [], reason }],
      originOf(row, { actorId: null, apiKeyId: null, request: systemContext }),
    );
    this.#announce(row.id);
    return true;
  }

  #sleep(id: string, ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wakers = this.#wake.get(id) ?? new Set<() => void>();
      this.#wake.set(id, wakers);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        wakers.delete(done);
        if (!wakers.size) this.#wake.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      wakers.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  #announce(id: string): void {
    this.decided(id);
    this.#d.bus.publish(governanceTopics.approvalDecided, { id }).catch((err: unknown) => {
      this.#d.logger.warn({ err, id }, "could not announce an approval decision (waiting calls poll)");
    });
  }

  /** The request, if the caller may see it: its asker, or an approver where it was made. */
  async #visible(id: string, principal: Principal): Promise<ApprovalRow> {
    const row = await this.#d.approvals.find(id);
    if (!row || !(row.requester_id === principal.userId || canApproveIn(principal, row.team_id)))
      throw new AppError("governance.approval_not_found", `No approval request ${id}`);
    return row;
  }
}

function canApproveIn(principal: Principal, teamId: string | null): boolean {
  if (teamId === null) return can(principal, "governance:approve", null);
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== teamId) return false;
  return principal.teams.has(teamId) && can(principal, "governance:approve", teamId);
}

function ruleRef(row: ApprovalRow): { id: string; version: number; name: string } {
  return { id: row.rule_id, version: row.rule_version, name: row.rule_name };
}

function originOf(
  row: ApprovalRow,
  who: Pick<DecisionOrigin, "actorId" | "apiKeyId" | "request">,
): DecisionOrigin {
  return {
    teamId: row.team_id,
    projectId: row.project_id,
    assistantId: null,
    surface: row.surface,
    model: row.model,
    ...who,
  };
}

function statusOf(row: ApprovalRow, now: number): ApprovalStatus {
  if (row.status === "pending" && now >= row.expires_at) return "expired";
  return row.status as ApprovalStatus;
}

function denied(row: ApprovalRow): AppError {
  const why =
    row.status === "denied"
      ? `denied${row.decision_reason ? `: ${row.decision_reason}` : ""}`
      : row.status === "expired"
        ? `not decided in time (${row.decision_reason ?? "expired"}), so denied`
        : "cancelled";
  return new AppError(
    "governance.approval_denied",
    `The rule "${row.rule_name}" held this call for approval; it was ${why}`,
    {
      details: { approvalId: row.id, ruleId: row.rule_id, ruleName: row.rule_name, status: row.status },
    },
  );
}

function toApproval(row: ApprovalRow, now: number): GovernanceApproval {
  return {
    id: row.id,
    status: statusOf(row, now),
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    ruleName: row.rule_name,
    teamId: row.team_id,
    projectId: row.project_id,
    surface: row.surface,
    model: row.model,
    requesterId: row.requester_id,
    requesterEmail: row.requester_email,
    reason: row.reason,
    preview: row.preview,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : iso(row.decided_at),
    decisionReason: row.decision_reason,
  };
}

function decodeAtCursor(cursor: string): { at: number; id: string } {
  try {
    const parsed = JSON.parse(decodeCursor(cursor)) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === "number" && typeof parsed[1] === "string")
      return { at: parsed[0], id: parsed[1] };
  } catch {
    // falls through to the error below
  }
  throw new AppError("validation.failed", "Invalid cursor", {
    details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
  });
}
