import type { Clock } from "../../platform/clock/clock.ts";

/** One enabled practice as AI calls get it. */
export interface CachedPractice {
  readonly id: string;
  /** Null: team-wide. */
  readonly projectId: string | null;
  readonly title: string;
  readonly body: string;
}

/** Options of {@link PracticeCache}. */
export interface PracticeCacheOptions {
  /** The enabled practices of a team, team-wide and per project, each scope in position order. */
  load(teamId: string): Promise<CachedPractice[]>;
  clock: Clock;
  /** The longest an entry serves without an announcement dropping it (a lost one, a partition). */
  ttlMs: number;
  /** Teams kept at most; the oldest entry goes first. */
  maxTeams: number;
}

/**
 * The enabled practices of each team, in this process's memory, so that an AI call does not read
 * them from the database. Every change drops the team's entry here at once and, announced on the
 * bus, on every other pod; the TTL only bounds what a lost announcement costs.
 *
 * An entry is the load's promise, stored when the load starts: a change that drops it while the
 * load runs leaves the callers already waiting with the older answer, and the next call loads anew.
 * @example
 * const cache = new PracticeCache({ load, clock, ttlMs: 30_000, maxTeams: 1_000 });
 * const practices = await cache.get(teamId);
 * cache.drop(teamId); // after a change
 */
export class PracticeCache {
  readonly #options: PracticeCacheOptions;
  readonly #entries = new Map<string, { at: number; practices: Promise<CachedPractice[]> }>();

  constructor(options: PracticeCacheOptions) {
    this.#options = options;
  }

  /** The team's enabled practices, from memory when fresh. */
  get(teamId: string): Promise<CachedPractice[]> {
    const now = this.#options.clock.now();
    const entry = this.#entries.get(teamId);
    if (entry && now - entry.at < this.#options.ttlMs) return entry.practices;
    const practices = this.#options.load(teamId);
    // A failed load is not kept: the next call tries again.
    practices.catch(() => {
      if (this.#entries.get(teamId)?.practices === practices) this.#entries.delete(teamId);
    });
    this.#entries.delete(teamId);
    this.#entries.set(teamId, { at: now, practices });
    if (this.#entries.size > this.#options.maxTeams) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    return practices;
  }

  /** Forgets the team's practices: the next call loads them again. */
  drop(teamId: string): void {
    this.#entries.delete(teamId);
  }
}
