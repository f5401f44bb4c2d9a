import { promptTopics, type PromptChanged } from "@parley/contracts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { LabelRow } from "./prompts.repository.ts";

/** How long a cached label list is used without an announcement: the backstop if one is lost. */
export const LABEL_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 10_000;

/**
 * The labels of each prompt, as AI calls resolve `persona/<slug>@<label>` (every call would
 * otherwise read them). A change anywhere is announced on the bus (`prompts.changed`) and every
 * pod drops the prompt's entry at once, so a label move reaches every pod within the bus's
 * delivery time; the TTL only bounds a lost announcement.
 */
export class LabelCache {
  readonly #entries = new Map<string, { labels: LabelRow[]; until: number }>();
  readonly #load: (promptId: string) => Promise<LabelRow[]>;
  readonly #clock: Clock;

  constructor(deps: { load: (promptId: string) => Promise<LabelRow[]>; clock: Clock }) {
    this.#load = deps.load;
    this.#clock = deps.clock;
  }

  /** The labels of `promptId`, from the cache while fresh. */
  async labelsOf(promptId: string): Promise<LabelRow[]> {
    const now = this.#clock.now();
    const hit = this.#entries.get(promptId);
    if (hit && hit.until > now) return hit.labels;
    const labels = await this.#load(promptId);
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(promptId, { labels, until: now + LABEL_CACHE_TTL_MS });
    return labels;
  }

  /** Forgets the prompt's labels (a change was announced). */
  drop(promptId: string): void {
    this.#entries.delete(promptId);
  }

  /** Whether the prompt's labels are cached (for tests and metrics). */
  has(promptId: string): boolean {
    return this.#entries.has(promptId);
  }
}

/**
 * Announces prompt changes on the bus and drops cached labels when any pod announces one.
 * @example
 * const changes = new PromptChanges({ bus, podId, cache });
 * await changes.listen();
 * await changes.announce(promptId, "label");
 */
export class PromptChanges {
  readonly #d: { bus: TypedBus; podId: string; cache: LabelCache };
  constructor(deps: { bus: TypedBus; podId: string; cache: LabelCache }) {
    this.#d = deps;
  }

  /** Drops the prompt's cached labels here, then tells the other pods (at most once is enough). */
  async announce(promptId: string, change: PromptChanged["change"]): Promise<void> {
    this.#d.cache.drop(promptId);
    await this.#d.bus
      .publish(promptTopics.changed, { promptId, change, pod: this.#d.podId })
      .catch(() => undefined);
  }

  /** Subscribes to announcements; resolves once listening, to the function that stops. */
  async listen(): Promise<() => Promise<void>> {
    const subscription = await this.#d.bus.subscribe(promptTopics.changed, ({ promptId }) => {
      this.#d.cache.drop(promptId);
    });
    return () => subscription.close();
  }
}
