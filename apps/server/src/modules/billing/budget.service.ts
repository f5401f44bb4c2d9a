import type {
  Budget,
  BudgetAlert,
  BudgetPer,
  BudgetListQuery,
  BudgetPeriod,
  BudgetScopeKind,
  CreateBudgetRequest,
  ItemList,
  UpdateBudgetRequest,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import {
  boundTeam,
  can,
  requirePrincipal,
  seesTeam,
  teamsWhere,
  type Principal,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { ResourceOwners } from "../../kernel/resource-owners.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { periodStart } from "./budget-period.ts";
import { toAlert } from "./billing-view.ts";
import { budgetTarget, type BudgetRepository, type BudgetRow } from "./budget.repository.ts";
import type { LedgerRepository } from "./ledger.repository.ts";

/** Dependencies of the budget service. */
export interface BudgetServiceDeps {
  budgets: BudgetRepository;
  ledger: LedgerRepository;
  audit: AuditSink;
  clock: Clock;
  /** The team an assistant, widget, bot or API key belongs to (answered by the module keeping it). */
  owners: ResourceOwners;
}

/**
 * Budgets: a team's, and those of the team's assistants, widgets, bots and team-bound API keys,
 * set by its admins (`budgets:manage` there; such a budget belongs to the team); any scope's,
 * a person's included, by global admins (theirs belong to no team). Invisible ones answer 404.
 */
export class BudgetService {
  readonly #d: BudgetServiceDeps;
  constructor(deps: BudgetServiceDeps) {
    this.#d = deps;
  }

  async list(query: BudgetListQuery, ctx: RequestContext): Promise<ItemList<Budget>> {
    const principal = requirePrincipal(ctx);
    const all = can(principal, "budgets:manage", null) && !boundTeam(principal);
    let teamIds: string[] | null = all ? null : teamsWhere(principal, "budgets:manage");
    if (query.teamId) {
      this.#assertManages(principal, query.teamId);
      teamIds = [query.teamId];
    }
    return { items: await this.#present(await this.#d.budgets.list({ teamIds })) };
  }

  async get(id: string, ctx: RequestContext): Promise<Budget> {
    return this.#presentOne(await this.#visible(id, requirePrincipal(ctx)));
  }

  /** @throws `team.not_found`, `budget.scope_not_found`, `auth.forbidden`, `budget.duplicate`. */
  async create(input: CreateBudgetRequest, ctx: RequestContext): Promise<Budget> {
    const principal = requirePrincipal(ctx);
    const teamId = await this.#teamOfNew(principal, input.scope);
    const now = this.#d.clock.now();
    const row: BudgetRow = {
      id: newId(),
      scope_kind: input.scope.kind,
      scope_id: input.scope.id,
      team_id: teamId,
      period: input.period,
      per: input.per ?? "",
      limit_micros: input.limitMicros,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.budgets.insert(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError(
          "budget.duplicate",
          `This ${input.scope.kind} already has a ${input.period} budget${input.per ? ` for each ${input.per === "ip" ? "IP address" : "visitor"}` : ""}`,
          { cause: error },
        );
      if (isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${teamId}`, { cause: error });
      throw error;
    }
    await this.#audit(ctx, "budget.created", row, { limitMicros: row.limit_micros });
    return this.#presentOne(row);
  }

  async update(id: string, patch: UpdateBudgetRequest, ctx: RequestContext): Promise<Budget> {
    const principal = requirePrincipal(ctx);
    const row = await this.#visible(id, principal);
    this.#assertManages(principal, row.team_id);
    const changes = { limit_micros: patch.limitMicros, updated_at: this.#d.clock.now() };
    await this.#d.budgets.update(id, changes);
    await this.#audit(ctx, "budget.updated", row, {
      fromMicros: row.limit_micros,
      limitMicros: patch.limitMicros,
    });
    return this.#presentOne({ ...row, ...changes });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const principal = requirePrincipal(ctx);
    const row = await this.#visible(id, principal);
    this.#assertManages(principal, row.team_id);
    await this.#d.budgets.delete(id);
    await this.#audit(ctx, "budget.deleted", row, { limitMicros: row.limit_micros });
  }

  /** The caller's budget alerts: their own, their teams' (where they manage budgets), all for global admins. */
  async alerts(ctx: RequestContext): Promise<ItemList<BudgetAlert>> {
    const principal = requirePrincipal(ctx);
    const all = can(principal, "budgets:manage", null) && !boundTeam(principal);
    const rows = await this.#d.budgets.alerts(
      { userId: principal.userId, teamIds: teamsWhere(principal, "budgets:manage"), all },
      200,
    );
    return { items: rows.map(toAlert) };
  }

  /** A budget the caller may manage; others answer 404. */
  async #visible(id: string, principal: Principal): Promise<BudgetRow> {
    const row = await this.#d.budgets.get(id);
    if (!row || !mayManage(principal, row.team_id)) throw new AppError("budget.not_found", `No budget ${id}`);
    return row;
  }

  /**
   * The team a new budget on `scope` belongs to: a team budget's team; for an assistant, widget,
   * bot or API key, the team that owns it when the caller manages budgets there; null for a
   * global admin's budget (on any scope that exists, a person's included; the scope's team
   * admins do not manage it).
   * @throws `budget.scope_not_found` when the scope is no resource the caller sees (whether it
   *   exists elsewhere is not told), `auth.forbidden`, `team.not_found`.
   */
  async #teamOfNew(principal: Principal, scope: CreateBudgetRequest["scope"]): Promise<string | null> {
    if (scope.kind === "team") {
      this.#assertManages(principal, scope.id);
      return scope.id;
    }
    if (scope.kind === "user") {
      this.#assertManages(principal, null);
      return null;
    }
    const owner = await this.#d.owners(scope.kind, scope.id);
    const notFound = () =>
      new AppError(
        "budget.scope_not_found",
        `No ${SCOPE_WORDS[scope.kind]} ${scope.id} you can set budgets on`,
      );
    if (mayManage(principal, null)) {
      if (!owner) throw notFound();
      return null;
    }
    const teamId = owner?.teamId ?? null;
    if (teamId === null || !seesTeam(principal, teamId)) throw notFound();
    this.#assertManages(principal, teamId);
    return teamId;
  }

  #assertManages(principal: Principal, teamId: string | null): void {
    if (mayManage(principal, teamId)) return;
    const keyTeam = boundTeam(principal);
    if (teamId !== null && (!principal.teams.has(teamId) || (keyTeam && keyTeam !== teamId)))
      throw new AppError("team.not_found", `No team ${teamId}`);
    throw new AppError("auth.forbidden", "Setting this budget needs the budgets:manage permission", {
      details: { permission: "budgets:manage" },
    });
  }

  /**
   * Budgets with their current period's spend and holds; of a per-visitor or per-IP budget, those
   * of the one that spent the most (the closest to its cap), with how many spent. Two queries
   * whatever the number of budgets: the spends of all, then the holds of all.
   */
  async #present(rows: readonly BudgetRow[]): Promise<Budget[]> {
    const now = this.#d.clock.now();
    const periods = rows.map((row) => ({ row, start: periodStart(row.period as BudgetPeriod, now) }));
    const spends = await this.#d.budgets.spendOf(
      periods.map((p) => ({ budgetId: p.row.id, start: p.start })),
    );
    // Before anyone's spend settles, no subject of a per-subject budget stands out: nothing held is shown.
    const targetOf = (row: BudgetRow): string | null => {
      const top = spends.get(row.id)?.top;
      if (row.per === "") return budgetTarget(row.id);
      return top ? budgetTarget(row.id, top.subject) : null;
    };
    const held = await this.#d.ledger.heldByTarget(
      rows.map(targetOf).filter((t) => t !== null),
      now,
    );
    return periods.map(({ row, start }) => {
      const spend = spends.get(row.id);
      const target = targetOf(row);
      return {
        id: row.id,
        scope: { kind: row.scope_kind as BudgetScopeKind, id: row.scope_id },
        teamId: row.team_id,
        period: row.period as BudgetPeriod,
        per: row.per === "" ? null : (row.per as BudgetPer),
        limitMicros: row.limit_micros,
        periodStart: new Date(start).toISOString(),
        spentMicros: spend?.top?.spentMicros ?? 0,
        heldMicros: target === null ? 0 : (held.get(target) ?? 0),
        subjects: row.per === "" ? null : (spend?.count ?? 0),
        createdAt: new Date(row.created_at).toISOString(),
        updatedAt: new Date(row.updated_at).toISOString(),
      };
    });
  }

  async #presentOne(row: BudgetRow): Promise<Budget> {
    const [budget] = await this.#present([row]);
    if (!budget) throw new Error(`budget ${row.id} was not presented`);
    return budget;
  }

  async #audit(
    ctx: RequestContext,
    action: string,
    row: BudgetRow,
    summary: Record<string, unknown>,
  ): Promise<void> {
    await this.#d.audit.record({
      action,
      outcome: "success",
      ...auditOrigin(ctx),
      target: { type: "budget", id: row.id },
      teamId: row.team_id,
      summary: {
        scope: { kind: row.scope_kind, id: row.scope_id },
        period: row.period,
        ...(row.per ? { per: row.per } : {}),
        ...summary,
      },
    });
  }
}

/** How a scope is named in messages. */
const SCOPE_WORDS: Record<BudgetScopeKind, string> = {
  user: "person",
  team: "team",
  api_key: "API key",
  assistant: "assistant",
  widget: "widget",
  bot: "bot",
};

/** A team's budget: `budgets:manage` there (its admins; global admins across teams); others: a global one. */
function mayManage(principal: Principal, teamId: string | null): boolean {
  if (teamId === null) return can(principal, "budgets:manage", null) && !boundTeam(principal);
  return can(principal, "budgets:manage", teamId);
}
