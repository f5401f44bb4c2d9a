import type { Logger } from "pino";
import type { AuditSink } from "../../kernel/request-context.ts";
import { systemContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { ownerOf } from "./billing-view.ts";
import { periodStart } from "./budget-period.ts";
import type { LedgerAdminRepository } from "./ledger-admin.repository.ts";
import type { LedgerRepository } from "./ledger.repository.ts";
import { auditMovement } from "./movement-audit.ts";

/** How often the worker looks for allowances of ended months. */
const SWEEP_INTERVAL_MS = 60_000;
/** Allowances expired per query (the sweep repeats until none are left). */
const BATCH = 100;

/**
 * Expires what is left of monthly allowances once their month ends (`expiry` movements, ADR
 * 0032): a worker sweep every minute, and the owner's own balance read (so the first read of a
 * month sees last month's expiry before this month's allowance). Each expiry is one transaction
 * with a unique key, so pods racing, a crash midway or a rerun expire each allowance once.
 */
export class AllowanceExpiry {
  readonly #d: { admin: LedgerAdminRepository; ledger: LedgerRepository; audit: AuditSink; clock: Clock };
  constructor(deps: {
    admin: LedgerAdminRepository;
    ledger: LedgerRepository;
    audit: AuditSink;
    clock: Clock;
  }) {
    this.#d = deps;
  }

  /**
   * Expires every allowance of a month that has ended (of one account with `accountId`); answers
   * how many expiries this call wrote.
   * @example await expiry.run(); // after the 1st of the month: last month's are written
   */
  async run(accountId?: string): Promise<number> {
    const now = this.#d.clock.now();
    const monthStart = periodStart("month", now);
    let written = 0;
    for (;;) {
      const pending = await this.#d.admin.pendingExpiries(monthStart, BATCH, accountId);
      for (const allowance of pending) {
        const start = periodStart("month", allowance.at);
        const d = new Date(start);
        const period = {
          start,
          end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
          month: new Date(start).toISOString().slice(0, 7),
        };
        const { row, created } = await this.#d.admin.expireAllowance(allowance, period, now);
        if (!created) continue;
        written++;
        const account = await this.#d.ledger.byId(row.account_id);
        if (account)
          await auditMovement(this.#d.audit, systemContext, ownerOf(account), row, {
            allowanceTransactionId: allowance.id,
            month: period.month,
          });
      }
      if (pending.length < BATCH) return written;
    }
  }

  /**
   * Runs {@link run} every minute until the returned function is called.
   * @example const stop = expiry.start(logger); ...; stop();
   */
  start(logger: Logger): () => void {
    const timer = setInterval(() => {
      this.run().then(
        (n) => {
          if (n > 0) logger.info({ expiries: n }, "unspent allowances expired");
        },
        (err: unknown) => {
          logger.warn({ err }, "allowance expiry failed");
        },
      );
    }, SWEEP_INTERVAL_MS);
    timer.unref();
    return () => {
      clearInterval(timer);
    };
  }
}
