import type { AccountRef, BudgetPer, BudgetPeriod, BudgetScopeKind } from "@parley/contracts";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import type { PipelineStage, Settlement, StageCall, StageContext } from "../../kernel/ai-stage.ts";
import { newId } from "../../kernel/ids.ts";
import type { ChannelRef } from "../../kernel/principal.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { BillingService } from "./billing.service.ts";
import { periodStart } from "./budget-period.ts";
import { subjectOf } from "./budget-subject.ts";
import type { BudgetRepository, BudgetRow, CallScopes } from "./budget.repository.ts";
import { inputTokensOf, priceMicros } from "./max-cost.ts";
import type { HeldBudget, ReservationRepository, SettledSpend } from "./reservation.repository.ts";

/** Dependencies of the spend guard. */
export interface SpendGuardDeps {
  budgets: BudgetRepository;
  reservations: ReservationRepository;
  billing: BillingService;
  clock: Clock;
  logger: Logger;
  /** How long a hold lives if its call never settles (a crashed pod). */
  holdTtlMs: number;
  /** The output limit priced (and then sent) when neither the call nor the model sets one. */
  defaultMaxOutputTokens: number;
  /** The key per-IP budgets' address pseudonyms are made with (`budget-subject.ts`). */
  ipKey: Buffer;
}

/** One call's reservation, from `before` to `after`. */
interface Held {
  reservationId: string;
  budgets: readonly (HeldBudget & { row: BudgetRow })[];
  accountId: string | null;
  reservedMicros: number;
}

const THRESHOLDS = [80, 100] as const;

/**
 * The `budget` AI stage: before the provider call it reserves the call's maximum cost (the
 * prompt's tokens counted, the output limit priced at the model's output price) on every budget
 * the call falls under and, when balances are enforced, on the payer's balance: all of them or
 * none, refusing with `budget.exceeded` (402) when one cannot cover it. After the call it settles
 * the real cost (the usage the call reported, the same micro-units metering records), debits the
 * payer once, releases the rest and tells the budgets' owners at 80% and 100% (a budget that
 * refuses a call counts as at 100%: since calls reserve their maximum, spend alone rarely gets there). A call to an
 * unpriced model has no budget effect (its usage row says it was unpriced). ADR 0032.
 */
export class SpendGuard {
  readonly #d: SpendGuardDeps;
  readonly #held = new WeakMap<StageContext, Held>();
  constructor(deps: SpendGuardDeps) {
    this.#d = deps;
  }

  /** The pipeline stage. */
  stage(): PipelineStage {
    return {
      name: "budget",
      before: (call, ctx) => this.#reserve(call, ctx),
      after: (settled, ctx) => this.#settle(settled, ctx),
    };
  }

  async #reserve(call: StageCall, ctx: StageContext): Promise<StageCall | undefined> {
    const price = ctx.requested.price;
    if (!price) return undefined;
    const now = this.#d.clock.now();
    const rows = await this.#d.budgets.applicable({
      // A channel's visitors spend on the widget's or bot's budgets and the team's, not on the
      // publisher's own: strangers must not use up what the publisher may spend on their work.
      userId: ctx.principal.channel ? null : ctx.principal.userId,
      teamId: ctx.teamId,
      apiKeyId: ctx.principal.apiKey?.id ?? null,
      assistantId: ctx.assistantId,
      channel: budgetChannel(ctx.principal.channel),
    });
    const payer: AccountRef = ctx.teamId
      ? { kind: "team", id: ctx.teamId }
      : { kind: "user", id: ctx.principal.userId };
    let accountId: string | null = null;
    if (this.#d.billing.enforceBalances) {
      const account = await this.#d.billing.account(payer);
      if (payer.kind === "user") await this.#d.billing.grantAllowance(account, ctx.request);
      accountId = account.id;
    }
    if (!rows.length && accountId === null) return undefined;

    let amended: StageCall | undefined;
    let outputTokens = 0;
    if (call.operation === "chat") {
      outputTokens =
        call.options.maxOutputTokens ?? ctx.requested.maxOutputTokens ?? this.#d.defaultMaxOutputTokens;
      // The reservation prices this limit: the provider must be held to it.
      if (call.options.maxOutputTokens === undefined)
        amended = { ...call, options: { ...call.options, maxOutputTokens: outputTokens } };
    }
    const reservedMicros = priceMicros(inputTokensOf(call), outputTokens, price);
    if (reservedMicros <= 0) return amended;
    const budgets = rows.map((row) => ({
      id: row.id,
      scopeKind: row.scope_kind as BudgetScopeKind,
      periodStart: periodStart(row.period as BudgetPeriod, now),
      subject: subjectOf(row, ctx, this.#d.ipKey),
      row,
    }));
    const reservationId = newId();
    const shortfall = await this.#d.reservations.reserve({
      reservationId,
      budgets,
      accountId,
      amountMicros: reservedMicros,
      now,
      expiresAt: now + this.#d.holdTtlMs,
    });
    if (shortfall) {
      const exhausted = budgets.find((b) => b.id === shortfall.budgetId);
      // A budget that cannot take another call is used up: its owner hears of it as at 100%.
      // The refusal must reach the caller even if the alert cannot be stored (logged).
      if (exhausted)
        await this.#exhausted(exhausted, ctx, now).catch((err: unknown) => {
          this.#d.logger.warn({ err, budgetId: exhausted.id }, "could not record a budget alert");
        });
      const per = exhausted?.row.per ? (exhausted.row.per as BudgetPer) : null;
      const what =
        shortfall.scope === "balance"
          ? `the ${payer.kind}'s balance`
          : per
            ? `the ${shortfall.scope}'s budget for each ${per === "ip" ? "IP address" : "visitor"}`
            : `the ${shortfall.scope} budget`;
      throw new AppError(
        "budget.exceeded",
        `This call may cost up to ${reservedMicros} micro-units and ${what} has ${shortfall.availableMicros} left`,
        {
          details: {
            scope: shortfall.scope,
            budgetId: shortfall.budgetId,
            per,
            requiredMicros: reservedMicros,
            availableMicros: shortfall.availableMicros,
          },
        },
      );
    }
    this.#held.set(ctx, { reservationId, budgets, accountId, reservedMicros });
    return amended;
  }

  async #settle(settled: Settlement, ctx: StageContext): Promise<void> {
    const held = this.#held.get(ctx);
    if (!held) return;
    this.#held.delete(ctx);
    const cost = settled.costMicros;
    const now = this.#d.clock.now();
    const { spends, transaction } = await this.#d.reservations.settle({
      reservationId: held.reservationId,
      budgets: held.budgets,
      costMicros: cost,
      debit:
        held.accountId !== null && cost > 0
          ? {
              accountId: held.accountId,
              kind: "usage",
              amountMicros: -cost,
              actorId: ctx.principal.userId,
              reason: `${settled.model.id} on ${ctx.surface}: ${settled.usage.inputTokens} in, ${settled.usage.outputTokens} out`,
              idempotencyKey: `usage:${held.reservationId}`,
              requestId: ctx.request.requestId,
              at: now,
            }
          : null,
    });
    // Into the call's one audit entry (the audit stage's `after` runs after this one).
    settled.annotations.billing = {
      reservedMicros: held.reservedMicros,
      costMicros: cost,
      ...(transaction
        ? { transactionId: transaction.id, balanceAfterMicros: transaction.balance_after_micros }
        : {}),
    };
    await this.#alert(held, spends, ctx, now);
  }

  async #exhausted(budget: Held["budgets"][number], ctx: StageContext, now: number): Promise<void> {
    const spent = await this.#d.budgets.spentNow(budget.id, budget.periodStart, budget.subject);
    await this.#record(budget, 100, spent, ctx, now);
  }

  async #record(
    budget: Held["budgets"][number],
    threshold: (typeof THRESHOLDS)[number],
    spent: number,
    ctx: StageContext,
    now: number,
  ): Promise<void> {
    await this.#d.budgets.alertOnce({
      id: newId(),
      budget_id: budget.id,
      scope_kind: budget.scopeKind,
      scope_id: budget.row.scope_id,
      ...ownerOfBudget(budget.row, ctx),
      threshold,
      period_start: budget.periodStart,
      spent_micros: spent,
      limit_micros: budget.row.limit_micros,
      at: now,
    });
  }

  /**
   * Tells each budget's owner the first time its period's spend reaches 80% and 100%; of a
   * per-visitor or per-IP budget, the first time one visitor's or IP's share does (once a period).
   */
  async #alert(held: Held, spends: readonly SettledSpend[], ctx: StageContext, now: number): Promise<void> {
    for (const spend of spends) {
      const budget = held.budgets.find((b) => b.id === spend.budgetId);
      if (!budget) continue;
      const limit = budget.row.limit_micros;
      for (const threshold of THRESHOLDS) {
        const mark = (limit * threshold) / 100;
        if (spend.before >= mark || spend.after < mark) continue;
        await this.#record(budget, threshold, spend.after, ctx, now);
      }
    }
  }
}

/** Who is told about a budget: the person, the team (its admins), the key's owner, else its creator. */
function ownerOfBudget(
  row: BudgetRow,
  ctx: StageContext,
): { owner_user_id: string | null; owner_team_id: string | null } {
  switch (row.scope_kind) {
    case "user":
      return { owner_user_id: row.scope_id, owner_team_id: null };
    case "team":
      return { owner_user_id: null, owner_team_id: row.scope_id };
    case "api_key":
      // The call was made with this key: its principal is the key's owner.
      return { owner_user_id: ctx.principal.userId, owner_team_id: null };
    default:
      return { owner_user_id: row.created_by, owner_team_id: row.team_id };
  }
}

/** The `widget` or `bot` budget scope of a channel's visitor; null for anyone else. */
function budgetChannel(channel: ChannelRef | undefined): CallScopes["channel"] {
  if (!channel) return null;
  return { kind: channel.kind === "widget" ? "widget" : "bot", id: channel.id };
}
