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
  /** Counts drops; a load remembers the count it started at. */
  #generation = 0;
  /** Loads under way. */
  #loading = 0;
  /** The generation of each prompt's last drop while loads were under way (empty when none are). */
  readonly #droppedAt = new Map<string, number>();

  constructor(deps: { load: (promptId: string) => Promise<LabelRow[]>; clock: Clock }) {
    this.#load = deps.load;
    this.#clock = deps.clock;
  }

  /**
   * The labels of `promptId`, from the cache while fresh. A load that a drop of the prompt
   * overtook answers what it read but is not kept: it may predate the change announced.
   */
  async labelsOf(promptId: string): Promise<LabelRow[]> {
    const now = this.#clock.now();
    const hit = this.#entries.get(promptId);
    if (hit && hit.until > now) return hit.labels;
    const started = this.#generation;
    this.#loading++;
    let labels: LabelRow[];
    try {
      labels = await this.#load(promptId);
    } finally {
      this.#loading--;
    }
    const overtaken = (this.#droppedAt.get(promptId) ?? started) > started;
    // No load under way started before the drops recorded: they are needed no more.
    if (this.#loading === 0) this.#droppedAt.clear();
    if (overtaken) return labels;
    if (this.#entries.size >= MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(promptId, { labels, until: now + LABEL_CACHE_TTL_MS });
    return labels;
  }

  /** Forgets the prompt's labels (a change was announced), and any load of them under way. */
  drop(promptId: string): void {
    this.#generation++;
    this.#entries.delete(promptId);
    if (this.#loading > 0) this.#droppedAt.set(promptId, this.#generation);
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
