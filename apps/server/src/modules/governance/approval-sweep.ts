import type { Logger } from "pino";
import type { ApprovalDesk } from "./approval-desk.ts";

/** How often workers look for approval requests past their time whose waiting call is gone. */
export const APPROVAL_SWEEP_INTERVAL_MS = 30_000;

/**
 * Sweeps overdue approval requests now and then every `intervalMs` (see {@link ApprovalDesk.sweep}):
 * a request whose waiting call died with its pod is expired and denied on record, so the queue
 * shows no orphans. A sweep slower than the interval is not doubled.
 * @returns the function that stops it (after the sweep under way, if any).
 * @example const stop = await startApprovalSweep(desk, 30_000, logger); ...; await stop();
 */
export async function startApprovalSweep(
  desk: Pick<ApprovalDesk, "sweep">,
  intervalMs: number,
  logger: Pick<Logger, "warn" | "info">,
): Promise<() => Promise<void>> {
  let running: Promise<void> | null = null;
  const sweep = () => {
    running ??= desk
      .sweep()
      .then((expired) => {
        if (expired) logger.info({ expired }, "governance: expired approval requests nobody waited for");
      })
      .catch((err: unknown) => {
        logger.warn({ err }, "governance approval sweep failed");
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  await sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
