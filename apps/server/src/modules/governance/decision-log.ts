import type {
  DecisionAction,
  DecisionListQuery,
  DecisionMatch,
  DecisionSummary,
  DecisionSummaryQuery,
  GovernanceDecision,
  RuleTier,
} from "@parley/contracts";
import type { Insertable } from "kysely";
import type { Counter } from "prom-client";
import { decodeCursor, encodeCursor } from "../../db/cursor.ts";
import { fromJson, toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import { iso, newId } from "../../kernel/ids.ts";
import { assertMayIn, can, requirePrincipal, teamsWhere, boundTeam } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Settlement, StageContext } from "../../kernel/ai-stage.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type {
  DecisionFilter,
  DecisionRepository,
  DecisionRow,
  DecisionScope,
} from "./decision.repository.ts";
import type { GovernanceDecisionsTable } from "./governance.tables.ts";
import { RowBatch } from "./row-batch.ts";

/** A decision as the enforcement stage reports it. */
export interface DecisionInput {
  rule: { id: string; version: number; name: string };
  tier: RuleTier;
  action: DecisionAction;
  matches: readonly DecisionMatch[];
  reason: string;
}

/** Dependencies of the decision log. */
export interface DecisionLogDeps {
  decisions: DecisionRepository;
  audit: AuditSink;
  clock: Clock;
  /** `parley_governance_decisions_total{action,tier}`. */
  counter: Counter<"action" | "tier">;
}

/** The call a decision is about, and who took it. */
export interface DecisionOrigin {
  teamId: string | null;
  projectId: string | null;
  assistantId: string | null;
  surface: string;
  model: string | null;
  actorId: string | null;
  apiKeyId: string | null;
  /** For the audit entry's actor, request id and address. */
  request: RequestContext;
}

const DAY_MS = 86_400_000;
const MAX_SUMMARY_DAYS = 366;

/**
 * Decision records: every action a rule took on an AI call, with the rule's version, tier,
 * surface, actor and fingerprints of what matched (never the text), kept in a table for queries
 * and in the hash-chained audit log. Team decisions are seen by those who manage the team's
 * governance; everyone sees the decisions about their own calls.
 */
export class DecisionLog {
  readonly #d: DecisionLogDeps;
  readonly #batch: RowBatch;

  constructor(deps: DecisionLogDeps) {
    this.#d = deps;
    this.#batch = new RowBatch((rows) => deps.decisions.insert(rows));
  }

  /** Records decisions about one call (table first, then audit: a row without its entry is possible, not the reverse). */
  record(decisions: readonly DecisionInput[], ctx: StageContext): Promise<void> {
    return this.recordFor(decisions, originOf(ctx));
  }

  /**
   * Records decisions about a call whose own audit entry will hold them (`annotate` puts them on
   * the settlement for the audit stage): the table row only, one hash-chained entry per call.
   */
  async recordWithCall(
    decisions: readonly DecisionInput[],
    ctx: StageContext,
    settled: Settlement,
  ): Promise<void> {
    if (!decisions.length) return;
    // Committed before the call's audit entry is written (the caller waits), as one statement
    // with the rows of the other calls settled in the same turn of the event loop.
    await this.#batch.add(this.#rows(decisions, originOf(ctx)));
    this.#count(decisions);
    settled.annotations.governance = decisions.map((d) => auditSummaryOf(d));
  }

  /**
   * Records decisions about one call whose table rows `write` stores in its own transaction,
   * with what they go with (a hold, with its approval request); then their audit entries.
   */
  async recordWithin(
    decisions: readonly DecisionInput[],
    ctx: StageContext,
    write: (rows: Insertable<GovernanceDecisionsTable>[]) => Promise<void>,
  ): Promise<void> {
    if (!decisions.length) return;
    const origin = originOf(ctx);
    await write(this.#rows(decisions, origin));
    this.#count(decisions);
    await this.#auditEntries(decisions, origin);
  }

  /** Records decisions taken about a call by someone else than its caller (an approver, the expiry). */
  async recordFor(decisions: readonly DecisionInput[], origin: DecisionOrigin): Promise<void> {
    if (!decisions.length) return;
    await this.#insert(decisions, origin);
    await this.#auditEntries(decisions, origin);
  }

  async #auditEntries(decisions: readonly DecisionInput[], origin: DecisionOrigin): Promise<void> {
    for (const d of decisions) {
      await this.#d.audit.record({
        ...auditOrigin(origin.request),
        action: "governance.decision",
        outcome: d.action === "block" || d.action === "deny" ? "denied" : "success",
        target: { type: "governance_rule", id: d.rule.id },
        teamId: origin.teamId,
        summary: { ...auditSummaryOf(d), surface: origin.surface, model: origin.model },
      });
    }
  }

  /** The decisions' table rows (and their count in the metric). */
  async #insert(decisions: readonly DecisionInput[], origin: DecisionOrigin): Promise<void> {
    await this.#d.decisions.insert(this.#rows(decisions, origin));
    this.#count(decisions);
  }

  #count(decisions: readonly DecisionInput[]): void {
    for (const d of decisions) this.#d.counter.inc({ action: d.action, tier: d.tier });
  }

  #rows(decisions: readonly DecisionInput[], origin: DecisionOrigin): Insertable<GovernanceDecisionsTable>[] {
    const at = this.#d.clock.now();
    return decisions.map((d) => ({
      id: newId(),
      at,
      rule_id: d.rule.id,
      rule_version: d.rule.version,
      rule_name: d.rule.name,
      team_id: origin.teamId,
      project_id: origin.projectId,
      assistant_id: origin.assistantId,
      tier: d.tier,
      surface: origin.surface,
      action: d.action,
      actor_id: origin.actorId,
      api_key_id: origin.apiKeyId,
      request_id: origin.request.requestId,
      model: origin.model,
      matches: toJson(d.matches),
      reason: d.reason,
    }));
  }

  async list(
    query: DecisionListQuery,
    ctx: RequestContext,
  ): Promise<{ items: GovernanceDecision[]; nextCursor: string | null }> {
    const scope = this.#scope(query.teamId, ctx);
    const rows = await this.#d.decisions.list(scope, filterOf(query), {
      limit: query.limit + 1,
      ...(query.cursor ? { before: decodeDecisionCursor(query.cursor) } : {}),
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toDecision),
      nextCursor: rows.length > query.limit && last ? encodeCursor(JSON.stringify([last.at, last.id])) : null,
    };
  }

  /** Counts for the chart; the last 30 days unless `from`/`to` say otherwise (at most a year). */
  async summary(query: DecisionSummaryQuery, ctx: RequestContext): Promise<DecisionSummary> {
    const scope = this.#scope(query.teamId, ctx);
    const to = query.to ? Date.parse(query.to) : this.#d.clock.now();
    const from = query.from ? Date.parse(query.from) : to - 30 * DAY_MS;
    if (from >= to || to - from > MAX_SUMMARY_DAYS * DAY_MS) {
      throw new AppError(
        "validation.failed",
        `from must be before to, at most ${MAX_SUMMARY_DAYS} days apart`,
        {
          details: { issues: [{ location: "query", path: "from", message: "out of range" }] },
        },
      );
    }
    const counts = await this.#d.decisions.summary(scope, { ...filterOf(query), from, to });
    return {
      from: iso(from),
      to: iso(to),
      byDay: counts.byDay.map((r) => ({
        day: new Date(r.day * DAY_MS).toISOString().slice(0, 10),
        action: r.action as DecisionAction,
        count: r.count,
      })),
      byRule: counts.byRule,
      byTeam: counts.byTeam,
    };
  }

  /** @throws AppError `team.not_found` when the caller is not in `teamId`. */
  #scope(teamId: string | undefined, ctx: RequestContext): DecisionScope {
    const principal = requirePrincipal(ctx);
    if (teamId) assertMayIn(principal, "governance:read", teamId, "Reading this team's decisions");
    return {
      teamIds: teamsWhere(principal, "governance:manage"),
      orgWide: can(principal, "governance:manage", null),
      ownerId: principal.userId,
      ownTeamId: boundTeam(principal),
    };
  }
}

function filterOf(query: Partial<DecisionListQuery>): DecisionFilter {
  const filter: DecisionFilter = {};
  if (query.teamId) filter.teamId = query.teamId;
  if (query.ruleId) filter.ruleId = query.ruleId;
  if (query.action) filter.action = query.action;
  if (query.tier) filter.tier = query.tier;
  if (query.surface) filter.surface = query.surface;
  if (query.from) filter.from = Date.parse(query.from);
  if (query.to) filter.to = Date.parse(query.to);
  return filter;
}

function decodeDecisionCursor(cursor: string): { at: number; id: string } {
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

function toDecision(row: DecisionRow): GovernanceDecision {
  return {
    id: row.id,
    at: iso(row.at),
    ruleId: row.rule_id,
    ruleVersion: row.rule_version,
    ruleName: row.rule_name,
    teamId: row.team_id,
    projectId: row.project_id,
    assistantId: row.assistant_id,
    tier: row.tier as RuleTier,
    surface: row.surface,
    action: row.action as DecisionAction,
    actorId: row.actor_id,
    apiKeyId: row.api_key_id,
    requestId: row.request_id,
    model: row.model,
    matches: fromJson(row.matches) as DecisionMatch[],
    reason: row.reason,
  };
}

function originOf(ctx: StageContext): DecisionOrigin {
  return {
    teamId: ctx.teamId,
    projectId: ctx.projectId,
    assistantId: ctx.assistantId,
    surface: ctx.surface,
    model: ctx.requested.id,
    actorId: ctx.principal.userId,
    apiKeyId: ctx.principal.apiKey?.id ?? null,
    request: ctx.request,
  };
}

/** What the audit log says of a decision: the rule, the action and fingerprints, never text. */
function auditSummaryOf(d: DecisionInput): Record<string, unknown> {
  return {
    decision: d.action,
    rule: d.rule.name,
    ruleId: d.rule.id,
    ruleVersion: d.rule.version,
    tier: d.tier,
    matches: d.matches,
    reason: d.reason,
  };
}
