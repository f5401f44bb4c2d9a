/** The billing module: balances, their ledger, budgets that hold, and the payment webhook (ADR 0032). */
import { STAGE_ORDER } from "../../kernel/ai-stage.ts";
import { defineModule } from "../../kernel/module.ts";
import type { AuditExports } from "../audit/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import { billingErrors } from "./billing.errors.ts";
import { registerBillingRoutes } from "./billing.routes.ts";
import { BillingService } from "./billing.service.ts";
import { BudgetRepository } from "./budget.repository.ts";
import { BudgetService } from "./budget.service.ts";
import { startHoldSweep } from "./hold-sweep.ts";
import { LedgerRepository } from "./ledger.repository.ts";
import { LedgerAdminRepository } from "./ledger-admin.repository.ts";
import { LedgerAdminService } from "./ledger-admin.service.ts";
import { AllowanceExpiry } from "./allowance-expiry.ts";
import * as billingMigration from "./migrations/2026-12-09T0100-billing.ts";
import * as refundsMigration from "./migrations/2026-12-10T1600-billing-refunds.ts";
import * as subjectsMigration from "./migrations/2026-12-11T0900-budget-subjects.ts";
import { ReservationRepository } from "./reservation.repository.ts";
import { SpendGuard } from "./spend-guard.ts";
import { StripeWebhook } from "./stripe-webhook.ts";

/** What the billing module offers the modules built after it. */
export interface BillingExports {
  billing: BillingService;
  budgets: BudgetService;
}

/** Balances (user, team) in micro-units, budgets per scope and period, the `budget` AI stage. */
export const billingModule = defineModule({
  name: "billing",
  errors: billingErrors,
  topics: {},
  // Accounts and budgets belong to users and teams; every movement is audited.
  needs: ["audit", "identity"],
  permissions: ["billing:read", "billing:manage", "budgets:manage"],
  tables: [
    "billing_accounts",
    "billing_transactions",
    "billing_budgets",
    "billing_budget_spend",
    "billing_holds",
    "billing_alerts",
  ],
  migrations: {
    "2026-12-09T0100-billing": billingMigration,
    "2026-12-10T1600-billing-refunds": refundsMigration,
    "2026-12-11T0900-budget-subjects": subjectsMigration,
  },
  build: (ctx, deps: { audit: AuditExports; identity: IdentityExports }) => {
    const database = ctx.platform.database;
    const clock = ctx.platform.clock;
    const ledger = new LedgerRepository(database);
    const budgetRows = new BudgetRepository(database);
    const reservations = new ReservationRepository(database, { ledger, budgets: budgetRows });
    const adminRows = new LedgerAdminRepository(database, ledger);
    const expiry = new AllowanceExpiry({ admin: adminRows, ledger, audit: deps.audit.audit, clock });
    const ledgerAdmin = new LedgerAdminService({ admin: adminRows, ledger, audit: deps.audit.audit, clock });
    const billing = new BillingService({
      ledger,
      audit: deps.audit.audit,
      clock,
      enforceBalances: ctx.config.billingBalances === "enforce",
      allowances: ctx.config.billingAllowances,
      expireAllowances: (accountId) => expiry.run(accountId),
    });
    const budgets = new BudgetService({
      budgets: budgetRows,
      ledger,
      audit: deps.audit.audit,
      clock,
      owners: ctx.resourceOwner,
    });
    const guard = new SpendGuard({
      budgets: budgetRows,
      reservations,
      billing,
      clock,
      logger: ctx.logger,
      holdTtlMs: ctx.config.billingHoldTtlMs,
      defaultMaxOutputTokens: ctx.config.billingDefaultMaxOutputTokens,
      ipKey: ctx.platform.secrets.key("billing"),
    });
    const stripe = new StripeWebhook({ billing, secret: ctx.config.stripeWebhookSecret });
    return {
      exports: { billing, budgets } satisfies BillingExports,
      stages: [{ order: STAGE_ORDER.budget, stage: guard.stage() }],
      routes: (app) => registerBillingRoutes(app, { billing, budgets, stripe, ledgerAdmin }),
      workers: [
        {
          name: "billing hold sweep",
          roles: ["worker", "all"],
          start: () => Promise.resolve(startHoldSweep({ reservations, clock, logger: ctx.logger })),
        },
        {
          name: "billing allowance expiry",
          roles: ["worker", "all"],
          start: () => Promise.resolve(expiry.start(ctx.logger)),
        },
      ],
    };
  },
});

export type { BillingService } from "./billing.service.ts";
export type { BudgetService } from "./budget.service.ts";
export type { BillingTables } from "./billing.tables.ts";
