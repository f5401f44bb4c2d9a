import type { AuditService } from "./audit.service.ts";

/** The logging the retention job does; a pino logger fits. */
export interface AuditRetentionLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of the retention job. */
export interface AuditRetentionOptions {
  audit: Pick<AuditService, "prune" | "checkpoint">;
  /** Entries older than this are deleted (default policy: 90 days). */
  retentionDays: number;
  /** Time between prunes. */
  intervalMs: number;
  logger: AuditRetentionLogger;
}

/** Stops the retention job; resolves once a prune in progress has finished. */
export type StopAuditRetention = () => Promise<void>;

/**
 * Prunes the audit log now and then every `intervalMs`, and each time copies the chain's sealed
 * head to the checkpoint outside the database (so the checkpoint is at most one interval old).
 * A failed prune or checkpoint is logged and retried at
 * the next tick; the job never throws, never overlaps itself and does not keep the process
 * alive (the timer is unref'd). Several processes may run it: prunes take the chain's lock, so
 * the later one finds nothing to delete.
 * @example
 * const stop = startAuditRetention({ audit, retentionDays: 90, intervalMs: 3_600_000, logger });
 * await stop();
 */
export function startAuditRetention(options: AuditRetentionOptions): StopAuditRetention {
  let running: Promise<void> | null = null;
  let stopped = false;

  const tick = (): void => {
    if (stopped || running) return;
    running = prune(options).finally(() => {
      running = null;
    });
  };

  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();

  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

async function prune(options: AuditRetentionOptions): Promise<void> {
  try {
    const { deleted } = await options.audit.prune(options.retentionDays);
    if (deleted > 0)
      options.logger.info({ deleted, retentionDays: options.retentionDays }, "audit log pruned");
  } catch (err) {
    options.logger.error({ err }, "audit retention failed; retrying at the next interval");
  }
  try {
    await options.audit.checkpoint();
  } catch (err) {
    options.logger.error({ err }, "audit checkpoint failed; retrying at the next interval");
  }
}
