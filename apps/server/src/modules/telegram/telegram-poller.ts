import { TelegramUpdate } from "@parley/contracts";
import type { Logger } from "pino";
import type { Cache } from "../../platform/registry/registry.port.ts";
import { botApi } from "./bot-api.ts";
import type { TelegramIntake } from "./telegram-intake.ts";
import type { TelegramBotRow, TelegramRepository } from "./telegram.repository.ts";
import type { TelegramService } from "./telegram.service.ts";

/** How often workers look for polling bots added, changed or removed on other pods. */
const RESCAN_MS = 5000;
/** How long after a failed poll a bot is polled again. */
const RETRY_MS = 5000;
/** Accepted updates are remembered this long (Telegram keeps an undelivered one 24 hours). */
const REMEMBER_UPDATES_MS = 48 * 3600_000;
/** How often a worker forgets the accepted updates older than that. */
const PRUNE_EVERY_MS = 3600_000;

/** What the poller needs. */
export interface TelegramPollerDeps {
  bots: TelegramRepository;
  service: Pick<TelegramService, "token" | "setStatus">;
  intake: Pick<TelegramIntake, "accept">;
  cache: Cache;
  logger: Logger;
  podId: string;
  apiRoot: string;
  /** Seconds one `getUpdates` waits for updates. */
  pollTimeoutS: number;
  now: () => number;
}

interface Loop {
  controller: AbortController;
  done: Promise<void>;
  /** What the loop was started for: a changed token or mode restarts it. */
  version: string;
}

/**
 * Long polling for the bots in `polling` mode, many in one process, one loop each. Across pods,
 * a bot is polled by one pod at a time: the holder of its lease in the shared cache (renewed each
 * round, lapsing when its pod dies). Each update is accepted once (`TelegramIntake`), then the
 * bot's offset moves past it, so a crash between the two repeats nothing.
 */
export class TelegramPoller {
  readonly #d: TelegramPollerDeps;
  readonly #loops = new Map<string, Loop>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #scanning: Promise<void> = Promise.resolve();
  #prunedAt = 0;

  constructor(deps: TelegramPollerDeps) {
    this.#d = deps;
  }

  /** Starts polling; resolves to the function that stops every loop and gives up the leases. */
  start(): () => Promise<void> {
    this.rescan();
    this.#timer = setInterval(() => {
      this.rescan();
    }, RESCAN_MS);
    this.#timer.unref();
    return async () => {
      this.#stopped = true;
      if (this.#timer) clearInterval(this.#timer);
      await this.#scanning;
      await Promise.all([...this.#loops.keys()].map((id) => this.#stop(id)));
    };
  }

  /** Looks at the polling bots again now (a bot was connected, changed or removed here). */
  rescan(): void {
    if (this.#stopped) return;
    this.#scanning = this.#scanning.then(() =>
      this.#scan().catch((error: unknown) => {
        this.#d.logger.warn({ err: error }, "Telegram poller scan failed");
      }),
    );
  }

  async #scan(): Promise<void> {
    if (this.#stopped) return;
    const rows = await this.#d.bots.byMode("polling");
    const wanted = new Map(rows.map((row) => [row.id, row]));
    for (const id of this.#loops.keys()) {
      const row = wanted.get(id);
      if (!row || versionOf(row) !== this.#loops.get(id)?.version) await this.#stop(id);
    }
    for (const row of rows) if (!this.#loops.has(row.id)) this.#begin(row);
    const now = this.#d.now();
    if (now - this.#prunedAt >= PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      await this.#d.bots.forgetUpdates(now - REMEMBER_UPDATES_MS);
    }
  }

  #begin(row: TelegramBotRow): void {
    const controller = new AbortController();
    const done = this.#run(row, controller.signal).catch((error: unknown) => {
      this.#d.logger.error({ err: error, botId: row.id }, "Telegram polling loop ended");
    });
    this.#loops.set(row.id, { controller, done, version: versionOf(row) });
  }

  async #stop(id: string): Promise<void> {
    const loop = this.#loops.get(id);
    if (!loop) return;
    this.#loops.delete(id);
    loop.controller.abort();
    await loop.done;
    const key = leaseKey(id);
    if ((await this.#d.cache.get(key)) === this.#d.podId) await this.#d.cache.delete(key);
  }

  async #run(row: TelegramBotRow, signal: AbortSignal): Promise<void> {
    const api = botApi(this.#d.service.token(row), { apiRoot: this.#d.apiRoot });
    let offset = row.poll_offset;
    let failing = row.status === "error";
    while (!signal.aborted) {
      if (!(await this.#hold(row.id))) {
        await pause(RETRY_MS, signal);
        continue;
      }
      try {
        const updates = await api.getUpdates(
          { offset, timeout: this.#d.pollTimeoutS, allowed_updates: ["message"] },
          // grammY types its signal with the `abort-controller` polyfill's type; Node's is the same thing.
          signal as unknown as Parameters<typeof api.getUpdates>[1],
        );
        for (const raw of updates) {
          const update = TelegramUpdate.safeParse(raw);
          if (update.success) await this.#d.intake.accept(row.id, update.data);
          offset = Math.max(offset, raw.update_id + 1);
        }
        if (updates.length) await this.#d.bots.update(row.id, { poll_offset: offset });
        if (failing) await this.#d.service.setStatus(row.id, null);
        failing = false;
      } catch (error) {
        if (stopped(signal)) return;
        this.#d.logger.warn({ err: error, botId: row.id }, "Telegram getUpdates failed");
        await this.#d.service.setStatus(row.id, error).catch(() => undefined);
        failing = true;
        await pause(RETRY_MS, signal);
      }
    }
  }

  /** Takes or renews this pod's lease on polling bot `botId`; false while another pod holds it. */
  async #hold(botId: string): Promise<boolean> {
    const key = leaseKey(botId);
    const ttl = (this.#d.pollTimeoutS + 30) * 1000;
    if (await this.#d.cache.setIfAbsent(key, this.#d.podId, ttl)) return true;
    if ((await this.#d.cache.get(key)) !== this.#d.podId) return false;
    await this.#d.cache.set(key, this.#d.podId, ttl);
    return true;
  }
}

function leaseKey(botId: string): string {
  return `telegram:poll:${botId}`;
}

function versionOf(row: TelegramBotRow): string {
  return `${row.mode}:${row.token_sealed}`;
}

/** Whether the loop was told to stop (read afresh: an await may have passed since the last look). */
function stopped(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
