import fc from "fast-check";
import type { AccountSummary, Balance, LedgerTransaction, Page, UsageReport } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { pricedProviders } from "./billing-support.ts";

/** Where a shape keeps its state: embedded, or PostgreSQL with NATS and Redis in `namespace`. */
function shapeEnv(database: TestPostgres | null, namespace: string): Record<string, string> {
  return database
    ? {
        PARLEY_DATABASE_URL: database.url,
        PARLEY_NATS_URL: testServices.natsUrl,
        PARLEY_REDIS_URL: testServices.redisUrl,
        PARLEY_NAMESPACE: namespace,
        PARLEY_SECRET_KEY: "billing-admin-secret-key-0123456789abcdef",
      }
    : {};
}

type ErrorBody = { error: { code: string; details?: Record<string, unknown> } };

for (const shape of ["embedded", "distributed"] as const) {
  describe(`refunds, the accounts list and reports by channel (${shape})`, () => {
    let database: TestPostgres | null = null;
    const namespace = uniqueId("billadmin");
    let fake: FakeUpstream;
    let h: Harness;
    beforeAll(async () => {
      database = shape === "distributed" ? await createTestPostgres() : null;
      fake = await startFakeUpstream({ text: "Refunds hold.", chunks: 2, models: ["priced", "unpriced"] });
      h = await startHarness({
        PARLEY_PROVIDERS: pricedProviders(fake.url),
        PARLEY_BILLING_BALANCES: "enforce",
        PARLEY_RATE_LIMITS: JSON.stringify({
          admin: { apiPerMinute: 100000, aiPerMinute: 100000 },
          developer: { apiPerMinute: 100000, aiPerMinute: 100000 },
        }),
        ...shapeEnv(database, namespace),
      });
    }, 120_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    });

    const topUp = async (userId: string, amountMicros: number) =>
      (
        await h.call<LedgerTransaction>("POST", "/api/v1/billing/top-ups", {
          token: h.adminToken,
          body: { account: { kind: "user", id: userId }, amountMicros, reason: "credit" },
        })
      ).body;
    const refund = (body: Record<string, unknown>, token = h.adminToken) =>
      h.call<LedgerTransaction & ErrorBody>("POST", "/api/v1/billing/refunds", { token, body });
    const balanceOf = async (token: string) =>
      (await h.call<Balance>("GET", "/api/v1/billing/balance", { token })).body.balanceMicros;
    const gateway = (token: string, model = "fake/priced") =>
      h.call<{ usage: { prompt_tokens: number; completion_tokens: number } }>(
        "POST",
        "/v1/chat/completions",
        {
          token,
          body: { model, messages: [{ role: "user", content: "hi" }], max_completion_tokens: 20 },
        },
      );

    it("refunds a usage debit in parts, never more than it, once per key, with who and why in the audit log", async () => {
      const dev = await h.user("developer");
      await topUp(dev.id, 1_000_000);
      expect((await gateway(dev.token)).status).toBe(200);
      const ledger = await h.call<Page<LedgerTransaction>>("GET", `/api/v1/billing/transactions?kind=usage`, {
        token: dev.token,
      });
      const usage = ledger.body.items[0];
      if (!usage) throw new Error("no usage debit");
      expect(ledger.body.items.every((t) => t.kind === "usage")).toBe(true);
      const cost = -usage.amountMicros;
      expect(cost).toBeGreaterThan(1);
      const part = await refund({
        transactionId: usage.id,
        amountMicros: 1,
        reason: "slow answer",
        idempotencyKey: "r-1",
      });
      expect(part.status).toBe(201);
      expect(part.body).toMatchObject({
        kind: "refund",
        amountMicros: 1,
        refundOf: usage.id,
        reason: "slow answer",
      });
      // The same key again: the same refund, nothing more.
      const again = await refund({
        transactionId: usage.id,
        amountMicros: 1,
        reason: "slow answer",
        idempotencyKey: "r-1",
      });
      expect(again.body.id).toBe(part.body.id);
      // More than is left: 409 with what is left.
      const tooMuch = await refund({
        transactionId: usage.id,
        amountMicros: cost,
        reason: "all",
        idempotencyKey: "r-2",
      });
      expect(tooMuch.status).toBe(409);
      expect(tooMuch.body.error).toMatchObject({
        code: "billing.refund_too_large",
        details: { refundableMicros: cost - 1 },
      });
      // No amount: the rest. Then nothing is left.
      const rest = await refund({ transactionId: usage.id, reason: "all of it", idempotencyKey: "r-3" });
      expect(rest.body.amountMicros).toBe(cost - 1);
      expect(await balanceOf(dev.token)).toBe(1_000_000);
      const none = await refund({ transactionId: usage.id, reason: "more", idempotencyKey: "r-4" });
      expect(none.status).toBe(409);
      const audit = await h.call<{
        items: { action: string; actor: unknown; summary: Record<string, unknown> }[];
      }>("GET", "/api/v1/audit?action=billing.refund&limit=50", { token: h.adminToken });
      const mine = audit.body.items.filter((e) => e.summary.refundOf === usage.id);
      expect(mine).toHaveLength(2);
      expect(mine.map((e) => e.summary.reason).sort()).toEqual(["all of it", "slow answer"]);
    });

    it("refunds a top-up at most once in full when 20 different refunds race, and never below what is spent", async () => {
      const dev = await h.user("developer");
      const credit = await topUp(dev.id, 5_000);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          refund({
            transactionId: credit.id,
            amountMicros: 2_000,
            reason: "race",
            idempotencyKey: `race-${i}`,
          }),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([
        ...Array<number>(2).fill(201),
        ...Array<number>(18).fill(409),
      ]);
      expect(await balanceOf(dev.token)).toBe(1_000);
      // What is left of the top-up was spent elsewhere: only what the balance has free goes back.
      await h.call("POST", "/api/v1/billing/adjustments", {
        token: h.adminToken,
        body: { account: { kind: "user", id: dev.id }, amountMicros: -600, reason: "spent" },
      });
      const over = await refund({
        transactionId: credit.id,
        amountMicros: 1_000,
        reason: "rest",
        idempotencyKey: "rest",
      });
      expect(over.status).toBe(409);
      expect(over.body.error.details).toMatchObject({ refundableMicros: 400 });
      expect(await balanceOf(dev.token)).toBe(400);
    });

    it("refuses refunds of other kinds, unknown ids, and from anyone but a global admin", async () => {
      const dev = await h.user("developer");
      const lead = await h.user("developer", "lead");
      const credit = await topUp(dev.id, 5_000);
      const adjustment = await h.call<LedgerTransaction>("POST", "/api/v1/billing/adjustments", {
        token: h.adminToken,
        body: { account: { kind: "user", id: dev.id }, amountMicros: 10, reason: "fix" },
      });
      const kind = await refund({ transactionId: adjustment.body.id, reason: "no", idempotencyKey: "k-1" });
      expect([kind.status, kind.body.error.code]).toEqual([409, "billing.not_refundable"]);
      const ghost = await refund({
        transactionId: "no-such-transaction",
        reason: "no",
        idempotencyKey: "k-2",
      });
      expect([ghost.status, ghost.body.error.code]).toEqual([404, "billing.transaction_not_found"]);
      for (const token of [dev.token, lead.token]) {
        const denied = await refund(
          { transactionId: credit.id, reason: "mine", idempotencyKey: "k-3" },
          token,
        );
        expect(denied.status).toBe(403);
      }
      const noKey = await refund({ transactionId: credit.id, reason: "no key" });
      expect(noKey.status).toBe(400);
      expect(await balanceOf(dev.token)).toBe(5_010);
    });

    it("answers 400 validation.failed for any amount that is not a whole positive number within the cap", async () => {
      const dev = await h.user("developer");
      const credit = await topUp(dev.id, 1_000);
      const bad = fc.oneof(
        fc.integer({ max: 0 }),
        fc.integer({ min: 1 }).map((n) => 1_000_000_000_000_000 + n),
        fc.double({ noInteger: true }),
        fc.constantFrom(
          Number.NaN,
          Infinity,
          -Infinity,
          1e300,
          -1e300,
          Number.MAX_SAFE_INTEGER,
          "12",
          null,
          true,
        ),
      );
      await fc.assert(
        fc.asyncProperty(bad, async (amount) => {
          const account = { kind: "user", id: dev.id };
          for (const [path, body] of [
            ["/api/v1/billing/top-ups", { account, amountMicros: amount, reason: "fuzz" }],
            [
              "/api/v1/billing/refunds",
              { transactionId: credit.id, amountMicros: amount, reason: "fuzz", idempotencyKey: "f" },
            ],
            [
              "/api/v1/billing/budgets",
              { scope: { kind: "user", id: dev.id }, period: "day", limitMicros: amount },
            ],
          ] as const) {
            const res = await h.call<ErrorBody>("POST", path, { token: h.adminToken, body });
            expect(res.status, `${path} ${String(amount)}`).toBe(400);
            expect(res.body.error.code).toBe("validation.failed");
          }
          // An adjustment may be negative, never 0, fractional or beyond the cap either way.
          if (
            typeof amount !== "number" ||
            amount === 0 ||
            !Number.isInteger(amount) ||
            Math.abs(amount) > 1e15
          ) {
            const res = await h.call<ErrorBody>("POST", "/api/v1/billing/adjustments", {
              token: h.adminToken,
              body: { account, amountMicros: amount, reason: "fuzz" },
            });
            expect(res.status, `adjustment ${String(amount)}`).toBe(400);
          }
          // A price may be 0, never negative or absurd (NaN and infinities travel as null in JSON:
          // "no price", which is allowed).
          if (typeof amount === "number" && Number.isFinite(amount) && (amount < 0 || amount > 1_000_000)) {
            const res = await h.call<ErrorBody>("PATCH", "/api/v1/models/fake/priced", {
              token: h.adminToken,
              body: { inputPricePerMTok: amount },
            });
            expect(res.status, `price ${String(amount)}`).toBe(400);
            expect(res.body.error.code).toBe("validation.failed");
          }
        }),
        { numRuns: 40 },
      );
      expect(await balanceOf(dev.token)).toBe(1_000);
    });

    it("lists every person and team with their balance, by name, in pages, and finds them by name or e-mail", async () => {
      const people = await Promise.all(["Ann", "Bob", "Cid"].map((n) => h.user("developer", `Lister${n}`)));
      await topUp(people[1]?.id ?? "", 7_000);
      const found = await h.call<Page<AccountSummary>>(
        "GET",
        "/api/v1/billing/accounts?kind=user&q=lister&limit=2",
        {
          token: h.adminToken,
        },
      );
      expect(found.status).toBe(200);
      expect(found.body.items.map((a) => [a.name, a.balanceMicros])).toEqual([
        ["ListerAnn", 0],
        ["ListerBob", 7_000],
      ]);
      const next = await h.call<Page<AccountSummary>>(
        "GET",
        `/api/v1/billing/accounts?kind=user&q=lister&limit=2&cursor=${found.body.nextCursor ?? ""}`,
        { token: h.adminToken },
      );
      expect(next.body.items.map((a) => a.name)).toEqual(["ListerCid"]);
      expect(next.body.nextCursor).toBeNull();
      const byMail = await h.call<Page<AccountSummary>>(
        "GET",
        `/api/v1/billing/accounts?q=${encodeURIComponent(people[2]?.email ?? "")}`,
        { token: h.adminToken },
      );
      expect(byMail.body.items.map((a) => a.account.id)).toEqual([people[2]?.id]);
      // A wildcard is a character, not a pattern.
      const pct = await h.call<Page<AccountSummary>>("GET", "/api/v1/billing/accounts?q=%25", {
        token: h.adminToken,
      });
      expect(pct.body.items).toEqual([]);
      const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: "Ledgered" },
      });
      const teams = await h.call<Page<AccountSummary>>(
        "GET",
        "/api/v1/billing/accounts?kind=team&q=ledgered",
        {
          token: h.adminToken,
        },
      );
      expect(teams.body.items).toEqual([
        expect.objectContaining({
          account: { kind: "team", id: team.body.id },
          name: "Ledgered",
          email: null,
        }),
      ]);
      expect(
        (await h.call("GET", "/api/v1/billing/accounts", { token: people[0]?.token ?? "" })).status,
      ).toBe(403);
    });

    it("reports usage by channel (labelled) and by assistant (named), and each person's own", async () => {
      const dev = await h.user("developer");
      await topUp(dev.id, 10_000_000);
      const assistant = await h.call<{ id: string; slug: string }>("POST", "/api/v1/assistants", {
        token: dev.token,
        body: { name: "Ledger helper", model: "fake/priced" },
      });
      expect(assistant.status).toBe(201);
      expect((await gateway(dev.token)).status).toBe(200);
      expect((await gateway(dev.token, `assistant/${assistant.body.slug}`)).status).toBe(200);
      const byChannel = await h.call<UsageReport>("GET", "/api/v1/usage?groupBy=channel", {
        token: h.adminToken,
      });
      expect(byChannel.status).toBe(200);
      expect(byChannel.body.groupBy).toBe("channel");
      expect(byChannel.body.rows.find((r) => r.key === "gateway")?.label).toBe("API");
      const byAssistant = await h.call<UsageReport>("GET", "/api/v1/usage?groupBy=assistant", {
        token: h.adminToken,
      });
      expect(byAssistant.body.rows).toContainEqual(
        expect.objectContaining({ key: assistant.body.id, label: "Ledger helper", requests: 1 }),
      );
      // One's own: every developer may read theirs, nobody else's.
      const mine = await h.call<UsageReport>("GET", "/api/v1/me/usage?groupBy=surface", { token: dev.token });
      expect(mine.status).toBe(200);
      expect(mine.body.rows).toEqual([
        expect.objectContaining({ key: "gateway", label: "API", requests: 2 }),
      ]);
      const byDay = await h.call<UsageReport>("GET", "/api/v1/me/usage", { token: dev.token });
      expect(byDay.body.totals.requests).toBe(2);
      const other = await h.user("developer");
      const theirs = await h.call<UsageReport>("GET", "/api/v1/me/usage", { token: other.token });
      expect(theirs.body.rows).toEqual([]);
      expect((await h.call("GET", "/api/v1/me/usage?userId=x", { token: other.token })).status).toBe(400);
      expect((await h.call("GET", "/api/v1/usage?groupBy=surface", { token: other.token })).status).toBe(403);
    });
  });
}
