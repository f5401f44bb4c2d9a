import { randomUUID } from "node:crypto";
import type { Registry } from "./registry.port.ts";

/** How often an open connection renews its registry entries, and how long one lives unrenewed. */
const RENEW_MS = 15_000;
const TTL_MS = 45_000;

/** A connection counted in the registry while it is open. */
export interface Presence {
  /** Removes its entries and stops renewing them. Idempotent. */
  release(): Promise<void>;
}

/**
 * Counts a connection (an event stream, say) under each of `kinds` while it is open, across
 * pods: entries are renewed every 15 s and expire 45 s after a process dies. With `limit`, a
 * connection is refused when `limit.kind` already holds `limit.max` live ones (the registry is
 * read, then written: concurrent opens may overshoot by their number, never by more).
 * @returns the presence, or `{ refused: n }` with the count found.
 * @example
 * const held = await holdPresence(registry, { kinds: [`user-streams:${id}`], info, limit: { kind: `user-streams:${id}`, max: 20 } });
 * if ("refused" in held) throw tooMany(held.refused);
 */
export async function holdPresence(
  registry: Registry,
  options: { kinds: string[]; info: Record<string, unknown>; limit?: { kind: string; max: number } },
): Promise<Presence | { refused: number }> {
  if (options.limit) {
    const open = await registry.list(options.limit.kind).catch(() => []);
    if (open.length >= options.limit.max) return { refused: open.length };
  }
  const id = randomUUID();
  const renewAll = () =>
    Promise.all(options.kinds.map((kind) => registry.register(kind, id, options.info, TTL_MS))).catch(
      () => undefined,
    );
  await renewAll();
  const renew = setInterval(() => void renewAll(), RENEW_MS);
  renew.unref();
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(renew);
      await Promise.all(options.kinds.map((kind) => registry.deregister(kind, id))).catch(() => undefined);
    },
  };
}
