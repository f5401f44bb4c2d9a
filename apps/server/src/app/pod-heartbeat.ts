import type { Logger } from "pino";
import type { Registry } from "../platform/registry/registry.port.ts";

/** The registry kind under which processes announce themselves. */
export const POD_KIND = "pods";
const TTL_MS = 15_000;
const INTERVAL_MS = 5_000;

/**
 * Announces this process in the registry and renews it every 5 s (TTL 15 s), so operators and
 * other pods see who is alive. Correctness never depends on it: a missed beat only ages the entry.
 * @returns a function that stops the heartbeat and removes the entry.
 */
export async function startPodHeartbeat(
  registry: Registry,
  podId: string,
  info: Record<string, unknown>,
  logger: Logger,
): Promise<() => Promise<void>> {
  const beat = async () => {
    try {
      await registry.register(POD_KIND, podId, info, TTL_MS);
    } catch (err) {
      logger.warn({ err }, "pod heartbeat failed");
    }
  };
  await beat();
  const timer = setInterval(() => void beat(), INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    try {
      await registry.deregister(POD_KIND, podId);
    } catch (err) {
      logger.warn({ err }, "could not remove this pod from the registry");
    }
  };
}
