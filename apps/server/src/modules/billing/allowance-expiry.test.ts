import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { systemContext } from "../../kernel/request-context.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type DatabaseTarget } from "../../platform/db/database.ts";
import { AllowanceExpiry } from "./allowance-expiry.ts";
import { BillingService } from "./billing.service.ts";
import { LedgerAdminRepository } from "./ledger-admin.repository.ts";
import { LedgerRepository, type Movement } from "./ledger.repository.ts";

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function target(dialect: "sqlite" | "postgres"): Promise<DatabaseTarget> {
  if (dialect === "sqlite")
    return { dialect, file: join(mkdtempSync(join(tmpdir(), "parley-expiry-")), "p.db") };
  const pgdb = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect, url: pgdb.url, poolSize: 4 };
}

const NOV_10 = Date.UTC(2026, 10, 10, 9);
const DEC_1 = Date.UTC(2026, 11, 1);

/** A ledger on a fresh database with one developer, whose allowance is 3,000 a month. */
async function ledgerOn(dialect: "sqlite" | "postgres") {
  const database = openDatabase(await target(dialect));
  cleanups.unshift(() => database.close());
  await migrateToLatest(database);
  const userId = "u-allowance";
  await sql`insert into users (id, email, name, password_hash, global_role, status, created_at, updated_at)
    values (${userId}, 'a@parley.test', 'Allowance', null, 'developer', 'active', 0, 0)`.execute(database.db);
  const clock = new ManualClock(NOV_10);
  const audited: { action: string; summary: Record<string, unknown> }[] = [];
  const audit = {
    record: (entry: { action: string; summary?: Record<string, unknown> }) => {
      audited.push({ action: entry.action, summary: entry.summary ?? {} });
      return Promise.resolve();
    },
  };
  const ledger = new LedgerRepository(database);
  const admin = new LedgerAdminRepository(database, ledger);
  const expiry = new AllowanceExpiry({ admin, ledger, audit, clock });
  const billing = new BillingService({
    ledger,
    audit,
    clock,
    enforceBalances: true,
    allowances: { developer: 3_000 },
    expireAllowances: (accountId) => expiry.run(accountId),
  });
  const ctx = {
    ...systemContext,
    principal: {
      kind: "user" as const,
      userId,
      email: "a@parley.test",
      globalRole: "developer" as const,
      teams: new Map(),
    },
  };
  const account = await billing.account({ kind: "user", id: userId });
  const move = (kind: Movement["kind"], amountMicros: number, key: string | null = null) =>
    ledger.apply({
      accountId: account.id,
      kind,
      amountMicros,
      actorId: null,
      reason: kind,
      idempotencyKey: key,
      requestId: null,
      at: clock.now(),
    });
  const balance = async () => (await billing.balance({}, ctx)).balanceMicros;
  const expiries = async () =>
    (await ledger.list(account.id, 100, undefined, { kind: "expiry" })).map((r) => r.amount_micros);
  return { database, clock, ledger, admin, expiry, billing, ctx, account, move, balance, expiries, audited };
}

describe.each(["sqlite", "postgres"] as const)("allowance expiry on %s", (dialect) => {
  it("expires the unspent part of last month's allowance once, at the month's end, whoever runs it", async () => {
    const t = await ledgerOn(dialect);
    // November: the allowance is granted on the first read, a top-up arrives, 1,000 is used.
    expect(await t.balance()).toBe(3_000);
    await t.move("topup", 5_000);
    t.clock.advance(86_400_000);
    await t.move("usage", -1_000);
    // Until the month ends nothing expires.
    t.clock.advance(DEC_1 - 1 - t.clock.now());
    expect(await t.expiry.run()).toBe(0);
    expect(await t.expiries()).toEqual([]);
    // From December on: what is left of the allowance (3,000 - 1,000) expires, the top-up stays;
    // 20 sweeps at once (pods racing) write one expiry.
    t.clock.advance(1);
    const written = await Promise.all(Array.from({ length: 20 }, () => t.expiry.run()));
    expect(written.reduce((a, n) => a + n, 0)).toBe(1);
    expect(await t.expiries()).toEqual([-2_000]);
    expect(await t.expiry.run()).toBe(0);
    // The owner's read then grants December's allowance.
    expect(await t.balance()).toBe(5_000 + 3_000);
    expect(await t.ledger.sum(t.account.id)).toBe(8_000);
    const [row] = await t.ledger.list(t.account.id, 1, undefined, { kind: "expiry" });
    expect(row).toMatchObject({ idempotency_key: `expiry:${t.account.id}:2026-11`, actor_id: null });
    expect(row?.reason).toBe("Unspent allowance of 2026-11 expired");
    const audited = t.audited.filter((a) => a.action === "billing.expiry");
    expect(audited).toHaveLength(1);
    expect(audited[0]?.summary).toMatchObject({ amountMicros: -2_000, month: "2026-11" });
  });

  it("expires on the owner's first read of the new month, before the new allowance", async () => {
    const t = await ledgerOn(dialect);
    expect(await t.balance()).toBe(3_000);
    t.clock.advance(DEC_1 + 5 - t.clock.now());
    // No sweep ran (no worker): the read expires November's 3,000 and grants December's.
    expect(await t.balance()).toBe(3_000);
    expect(await t.expiries()).toEqual([-3_000]);
  });

  it("never expires more than the balance holds, and records 0 when the allowance was used up", async () => {
    const t = await ledgerOn(dialect);
    await t.balance();
    await t.move("adjustment", -2_500);
    t.clock.advance(DEC_1 - t.clock.now());
    await t.expiry.run();
    expect(await t.expiries()).toEqual([-500]);
    expect(await t.ledger.sum(t.account.id)).toBe(0);

    const u = await ledgerOn(dialect);
    await u.balance();
    await u.move("topup", 10_000);
    await u.move("usage", -4_000);
    u.clock.advance(DEC_1 - u.clock.now());
    await u.expiry.run();
    expect(await u.expiries()).toEqual([0]);
    expect(await u.ledger.sum(u.account.id)).toBe(9_000);
  });

  it("is crash-safe: an expiry that dies midway leaves nothing, and the next sweep writes it once", async () => {
    const t = await ledgerOn(dialect);
    await t.balance();
    t.clock.advance(DEC_1 - t.clock.now());
    const applyIn = t.ledger.applyIn.bind(t.ledger);
    let crash = true;
    t.ledger.applyIn = async (trx, movement) => {
      const row = await applyIn(trx, movement);
      // The process dies after the movement was written in its transaction, before the commit.
      if (crash) throw new Error("pod killed");
      return row;
    };
    await expect(t.expiry.run()).rejects.toThrow("pod killed");
    expect(await t.expiries()).toEqual([]);
    expect(await t.ledger.sum(t.account.id)).toBe(3_000);
    crash = false;
    expect(await t.expiry.run()).toBe(1);
    expect(await t.expiries()).toEqual([-3_000]);
    expect((await t.ledger.byId(t.account.id))?.balance_micros).toBe(0);
  });
});
