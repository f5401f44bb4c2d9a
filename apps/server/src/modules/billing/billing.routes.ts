import {
  AccountListQuery,
  AccountQuery,
  AccountSummary,
  AdjustmentRequest,
  Balance,
  Budget,
  BudgetAlert,
  BudgetListQuery,
  CreateBudgetRequest,
  IdParams,
  LedgerTransaction,
  RefundRequest,
  TopUpRequest,
  TransactionListQuery,
  UpdateBudgetRequest,
  pageOf,
} from "@parley/contracts";
import { z } from "zod";
import { contextOf } from "../../http/request-context.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import type { BillingService } from "./billing.service.ts";
import type { BudgetService } from "./budget.service.ts";
import type { LedgerAdminService } from "./ledger-admin.service.ts";
import type { StripeWebhook } from "./stripe-webhook.ts";

/** What the billing routes call. */
export interface BillingRouteDeps {
  billing: BillingService;
  budgets: BudgetService;
  stripe: StripeWebhook;
  ledgerAdmin: LedgerAdminService;
}

const tags = ["billing"];

/** Balances, the ledger, top-ups and adjustments, budgets, alerts, and the payment webhook. */
export async function registerBillingRoutes(app: TypedApp, deps: BillingRouteDeps): Promise<void> {
  registerLedgerRoutes(app, deps);
  registerLedgerAdminRoutes(app, deps);
  registerBudgetRoutes(app, deps);
  await registerStripeWebhook(app, deps);
}

function registerLedgerRoutes(app: TypedApp, deps: BillingRouteDeps): void {
  app.get(
    "/api/v1/billing/balance",
    {
      config: { permission: "billing:read" },
      schema: {
        tags,
        summary: "Your balance; a team's with teamId; anyone's with userId (billing:manage)",
        querystring: AccountQuery,
        response: { 200: Balance },
      },
    },
    (request) => deps.billing.balance(request.query, contextOf(request)),
  );
  app.get(
    "/api/v1/billing/transactions",
    {
      config: { permission: "billing:read" },
      schema: {
        tags,
        summary: "The ledger of your account (or a team's, or anyone's), newest first",
        querystring: TransactionListQuery,
        response: { 200: pageOf(LedgerTransaction) },
      },
    },
    (request) => deps.billing.transactions(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/billing/top-ups",
    {
      config: { permission: "billing:manage" },
      schema: {
        tags,
        summary: "Credit a person's or a team's balance",
        body: TopUpRequest,
        response: { 201: LedgerTransaction },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.billing.topUp(request.body, contextOf(request))),
  );
  app.post(
    "/api/v1/billing/adjustments",
    {
      config: { permission: "billing:manage" },
      schema: {
        tags,
        summary: "Correct a balance by a signed amount, with the reason",
        body: AdjustmentRequest,
        response: { 201: LedgerTransaction },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.billing.adjust(request.body, contextOf(request))),
  );
}

function registerLedgerAdminRoutes(app: TypedApp, deps: BillingRouteDeps): void {
  app.get(
    "/api/v1/billing/accounts",
    {
      config: { permission: "billing:manage" },
      schema: {
        tags,
        summary: "Every person's (or team's) balance, by name",
        querystring: AccountListQuery,
        response: { 200: pageOf(AccountSummary) },
      },
    },
    (request) => deps.ledgerAdmin.accounts(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/billing/refunds",
    {
      config: { permission: "billing:manage" },
      schema: {
        tags,
        summary: "Give back part or all of a top-up or a usage debit, once per idempotency key",
        body: RefundRequest,
        response: { 201: LedgerTransaction },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.ledgerAdmin.refund(request.body, contextOf(request))),
  );
}

function registerBudgetRoutes(app: TypedApp, deps: BillingRouteDeps): void {
  app.get(
    "/api/v1/billing/budgets",
    {
      config: { permission: "budgets:manage" },
      schema: {
        tags,
        summary: "The budgets you manage, with the current period's spend",
        querystring: BudgetListQuery,
        response: { 200: z.object({ items: z.array(Budget) }) },
      },
    },
    (request) => deps.budgets.list(request.query, contextOf(request)),
  );
  app.post(
    "/api/v1/billing/budgets",
    {
      config: { permission: "budgets:manage" },
      schema: {
        tags,
        summary: "Set a budget on a scope for a period",
        body: CreateBudgetRequest,
        response: { 201: Budget },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await deps.budgets.create(request.body, contextOf(request))),
  );
  app.get(
    "/api/v1/billing/budgets/:id",
    {
      config: { permission: "budgets:manage" },
      schema: { tags, summary: "A budget", params: IdParams, response: { 200: Budget } },
    },
    (request) => deps.budgets.get(request.params.id, contextOf(request)),
  );
  app.patch(
    "/api/v1/billing/budgets/:id",
    {
      config: { permission: "budgets:manage" },
      schema: {
        tags,
        summary: "Change a budget's limit",
        params: IdParams,
        body: UpdateBudgetRequest,
        response: { 200: Budget },
      },
    },
    (request) => deps.budgets.update(request.params.id, request.body, contextOf(request)),
  );
  app.delete(
    "/api/v1/billing/budgets/:id",
    {
      config: { permission: "budgets:manage" },
      schema: { tags, summary: "Remove a budget", params: IdParams },
    },
    async (request, reply) => {
      await deps.budgets.delete(request.params.id, contextOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    "/api/v1/billing/alerts",
    {
      config: { permission: "billing:read" },
      schema: {
        tags,
        summary: "Budget alerts (80% and 100%) for the budgets you own, newest first",
        response: { 200: z.object({ items: z.array(BudgetAlert) }) },
      },
    },
    (request) => deps.budgets.alerts(contextOf(request)),
  );
}

/**
 * `POST /api/v1/billing/stripe/webhook`: public (Stripe signs instead of signing in, and sends no
 * cookie, so no CSRF applies), with the JSON body kept raw: the signature covers its exact bytes.
 */
async function registerStripeWebhook(app: TypedApp, deps: BillingRouteDeps): Promise<void> {
  await app.register((scope: TypedApp, _options, done) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, next) => {
      next(null, body);
    });
    scope.post(
      "/api/v1/billing/stripe/webhook",
      {
        config: { permission: "public" },
        schema: {
          tags,
          summary: "Stripe's webhook: a paid checkout session credits its account once",
          headers: z.object({ "stripe-signature": z.string().max(4096).optional() }),
          response: { 200: z.object({ received: z.literal(true), credited: z.boolean() }) },
        },
      },
      (request) =>
        deps.stripe.receive(
          Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          request.headers["stripe-signature"],
          contextOf(request),
        ),
    );
    done();
  });
}
