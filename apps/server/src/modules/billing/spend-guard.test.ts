import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import type { CatalogModel } from "../../kernel/ai-call.ts";
import type { Settlement, StageCall, StageContext } from "../../kernel/ai-stage.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { ChannelRef, Principal } from "../../kernel/principal.ts";
import { newId } from "../../kernel/ids.ts";
import { systemContext } from "../../kernel/request-context.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type DatabaseTarget } from "../../platform/db/database.ts";
import { BillingService } from "./billing.service.ts";
import { BudgetRepository } from "./budget.repository.ts";
import { LedgerRepository } from "./ledger.repository.ts";
import { ReservationRepository } from "./reservation.repository.ts";
import { SpendGuard } from "./spend-guard.ts";

const TTL = 60_000;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function target(dialect: "sqlite" | "postgres"): Promise<DatabaseTarget> {
  if (dialect === "sqlite")
    return { dialect, file: join(mkdtempSync(join(tmpdir(), "parley-guard-")), "p.db") };
  const pgdb = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect, url: pgdb.url, poolSize: 4 };
}

const model: CatalogModel = {
  id: "fake/priced",
  providerId: "fake",
  providerType: "openai-compatible",
  upstreamModel: "priced",
  aliases: [],
  contextWindow: null,
  maxOutputTokens: null,
  price: { inputPerMTok: 10, outputPerMTok: 20 },
  fallbacks: [],
  enabled: true,
  imageInput: false,
};
const principal: Principal = {
  kind: "user",
  userId: "u-crash",
  email: "c@parley.test",
  globalRole: "developer",
  teams: new Map(),
};
const call: StageCall = {
  operation: "chat",
  surface: "gateway",
  model: model.id,
  prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  options: { maxOutputTokens: 10 },
};
const context = (): StageContext => ({
  request: { ...systemContext, principal },
  principal,
  surface: "gateway",
  operation: "chat",
  teamId: null,
  assistantId: null,
  projectId: null,
  requested: model,
});
/** The call's maximum: (3 + 1 + 4) input tokens at 10, 10 output tokens at 20. */
const MAX = 8 * 10 + 10 * 20;

async function guardOn(dialect: "sqlite" | "postgres", options: { enforceBalances?: boolean } = {}) {
  const database = openDatabase(await target(dialect));
  cleanups.unshift(() => database.close());
  await migrateToLatest(database);
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12));
  const ledger = new LedgerRepository(database);
  const budgets = new BudgetRepository(database);
  const reservations = new ReservationRepository(database, { ledger, budgets });
  const billing = new BillingService({
    ledger,
    audit: { record: () => Promise.resolve() },
    clock,
    enforceBalances: options.enforceBalances ?? false,
    allowances: {},
  });
  const guard = new SpendGuard({
    budgets,
    reservations,
    billing,
    clock,
    logger: pino({ level: "silent" }),
    holdTtlMs: TTL,
    defaultMaxOutputTokens: 100,
    ipKey: Buffer.alloc(32),
  });
  // Room for exactly one call's maximum.
  await budgets.insert({
    id: "b-crash",
    scope_kind: "user",
    scope_id: principal.userId,
    team_id: null,
    period: "day",
    per: "",
    limit_micros: MAX,
    created_by: null,
    created_at: clock.now(),
    updated_at: clock.now(),
  });
  return { stage: guard.stage(), clock, reservations, ledger, database, budgets };
}

/** A person with an account holding `balance` micro-units, and a principal for them. */
async function payer(
  setup: Awaited<ReturnType<typeof guardOn>>,
  balance: number,
): Promise<{ principal: Principal; accountId: string }> {
  const { database, ledger, clock } = setup;
  const userId = `u-${newId()}`;
  await sql`insert into users (id, email, name, password_hash, global_role, status, created_at, updated_at, last_login_at)
    values (${userId}, ${`${userId}@parley.test`}, 'Payer', null, 'developer', 'active', ${clock.now()}, ${clock.now()}, null)`.execute(
    database.db,
  );
  const account = await ledger.account({ kind: "user", id: userId }, clock.now());
  await ledger.apply({
    accountId: account.id,
    kind: "topup",
    amountMicros: balance,
    actorId: null,
    reason: "test",
    idempotencyKey: null,
    requestId: null,
    at: clock.now(),
  });
  return { principal: { ...principal, userId, email: `${userId}@parley.test` }, accountId: account.id };
}

const settlement = (costMicros: number): Settlement => ({
  outcome: "success",
  errorCode: null,
  refusedBy: null,
  usage: { inputTokens: 1, outputTokens: 1 },
  model,
  fallbackFrom: null,
  cost: costMicros / 1_000_000,
  costMicros,
  ttftMs: 1,
  durationMs: 1,
  attempts: 1,
  trace: [],
  stageErrors: [],
  annotations: {},
});

describe.each(["sqlite", "postgres"] as const)("the budget stage on %s", (dialect) => {
  it("lets a crashed call's reservation lapse at its expiry, and the sweep removes it", async () => {
    const { stage, clock, reservations } = await guardOn(dialect);
    // A call reserves, then its pod dies: `after` never runs.
    await stage.before?.(call, context());
    const refused = await Promise.resolve(stage.before?.(call, context())).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe("budget.exceeded");
    expect((refused as AppError).details).toMatchObject({
      scope: "user",
      requiredMicros: MAX,
      availableMicros: 0,
    });
    clock.advance(TTL - 1);
    await expect(Promise.resolve(stage.before?.(call, context()))).rejects.toThrow(AppError);
    clock.advance(1);
    const ctx = context();
    await stage.before?.(call, ctx);
    expect(await reservations.sweep(clock.now())).toBe(1);
    // The live call settles below its maximum: what it did not use is free again.
    await stage.after?.(settlement(MAX - 100), ctx);
    await expect(Promise.resolve(stage.before?.(call, context()))).rejects.toThrow(AppError);
    clock.advance(86_400_000);
    await expect(stage.before?.(call, context())).resolves.toBeUndefined();
  });

  it("lets concurrent calls hold no more than an enforced balance, counting the live holds", async () => {
    const setup = await guardOn(dialect, { enforceBalances: true });
    // Room for five calls' maximum and a half.
    const { principal: paying, accountId } = await payer(setup, 5 * MAX + MAX / 2);
    const contextOf = (): StageContext => ({
      ...context(),
      principal: paying,
      request: { ...systemContext, principal: paying },
    });
    const contexts = Array.from({ length: 50 }, contextOf);
    const outcomes = await Promise.allSettled(
      contexts.map((ctx) => Promise.resolve(setup.stage.before?.(call, ctx))),
    );
    const passed = contexts.filter((_, i) => outcomes[i]?.status === "fulfilled");
    const refusals = outcomes.filter((o) => o.status === "rejected").map((o) => (o.reason as AppError).code);
    expect(passed).toHaveLength(5);
    expect(new Set(refusals)).toEqual(new Set(["budget.exceeded"]));
    // Every call that went through costs its maximum: the balance ends above 0.
    await Promise.all(passed.map((ctx) => Promise.resolve(setup.stage.after?.(settlement(MAX), ctx))));
    expect((await setup.ledger.byId(accountId))?.balance_micros).toBe(MAX / 2);
  });

  it("holds each Telegram chat and each address to its own share of a per-subject budget", async () => {
    const setup = await guardOn(dialect);
    const bot = { kind: "telegram", id: "bot-1", subject: "chat-a", teamId: "t-1" } as const;
    const widget = { kind: "widget", id: "widget-1", subject: "visitor-a", teamId: "t-1" } as const;
    for (const [scope_kind, scope_id, per] of [
      ["bot", bot.id, "visitor"],
      ["widget", widget.id, "ip"],
    ] as const)
      await setup.budgets.insert({
        id: `b-${scope_kind}`,
        scope_kind,
        scope_id,
        team_id: null,
        period: "day",
        per,
        limit_micros: MAX,
        created_by: null,
        created_at: setup.clock.now(),
        updated_at: setup.clock.now(),
      });
    const through = (channel: ChannelRef, ip: string | null = null): StageContext => {
      const visitor: Principal = { ...principal, userId: "u-publisher", kind: "channel", channel };
      return { ...context(), principal: visitor, request: { ...systemContext, ip, principal: visitor } };
    };
    // Each reservation holds its share's whole room: the same chat again does not fit, another does.
    await setup.stage.before?.(call, through(bot));
    await expect(Promise.resolve(setup.stage.before?.(call, through(bot)))).rejects.toMatchObject({
      code: "budget.exceeded",
      details: { scope: "bot", per: "visitor" },
    });
    await expect(setup.stage.before?.(call, through({ ...bot, subject: "chat-b" }))).resolves.toBeUndefined();
    // Per IP: another visitor from the same address shares its room, another address has its own.
    await setup.stage.before?.(call, through(widget, "192.0.2.1"));
    await expect(
      Promise.resolve(setup.stage.before?.(call, through({ ...widget, subject: "visitor-b" }, "192.0.2.1"))),
    ).rejects.toMatchObject({ code: "budget.exceeded", details: { scope: "widget", per: "ip" } });
    await expect(setup.stage.before?.(call, through(widget, "192.0.2.2"))).resolves.toBeUndefined();
  });

  it("prices the model's or the default output limit when the call sets none, and sends it", async () => {
    const { stage } = await guardOn(dialect);
    const unlimited: StageCall = { ...call, options: {} };
    // 100 default output tokens at 20 do not fit a budget sized for 10.
    await expect(Promise.resolve(stage.before?.(unlimited, context()))).rejects.toThrow(AppError);
    // The model's own limit is priced, and the provider is held to it.
    const limited = { ...context(), requested: { ...model, maxOutputTokens: 5 } };
    const amended = await stage.before?.(unlimited, limited);
    expect(amended?.operation === "chat" ? amended.options.maxOutputTokens : null).toBe(5);
    // A call with its own limit is left as it is.
    expect(await stage.before?.({ ...call, options: { maxOutputTokens: 1 } }, context())).toBeUndefined();
  });
});
