import type { Config } from "../config/config.ts";
import { startParley } from "../app/parley.ts";
import { createLogger } from "../platform/logger.ts";

/**
 * `parley start`: runs until SIGTERM/SIGINT, then drains within the shutdown timeout.
 * @returns the exit code.
 */
export async function startCommand(config: Config): Promise<number> {
  const pretty = process.stdout.isTTY && process.env.NODE_ENV !== "production";
  const logger = createLogger({ level: config.logLevel, base: { role: config.role }, pretty });
  let parley;
  try {
    parley = await startParley(config, { logger });
  } catch (err) {
    const code = (err as { code?: string }).code;
    const message =
      code === "EADDRINUSE"
        ? `port ${config.port} is already in use; choose another with --port or PARLEY_PORT`
        : err instanceof Error
          ? err.message
          : String(err);
    logger.fatal({ err }, `could not start: ${message}`);
    logger.flush();
    return 1;
  }
  const running = parley;
  return new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      running.logger.info({ signal }, "shutting down");
      const force = setTimeout(() => {
        running.logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting`);
        resolve(1);
        // A stuck handle must not keep a terminated pod alive.
        setImmediate(() => process.exit(1));
      }, config.shutdownTimeoutMs);
      force.unref();
      running.stop().then(
        () => {
          clearTimeout(force);
          resolve(0);
        },
        (err: unknown) => {
          running.logger.error({ err }, "error during shutdown");
          clearTimeout(force);
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", shutdown);
    process.once("SIGINT", shutdown);
  });
}
