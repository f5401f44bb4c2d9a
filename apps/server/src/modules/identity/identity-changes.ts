/**
 * Counts changes to who may do what: users' roles and status, team memberships, API keys,
 * sessions. The repositories bump it after each such write; a cache of principals keeps the count
 * read before its lookups and is stale once the count moved on. Local bumps are announced to the
 * listeners (the identity module broadcasts them to the other pods, which call `bumpFromElsewhere`).
 * @example
 * const changes = new IdentityChanges(); const seen = changes.version;
 * changes.bump(); changes.version !== seen; // true
 */
export class IdentityChanges {
  #version = 0;
  readonly #listeners: (() => void)[] = [];

  get version(): number {
    return this.#version;
  }

  /** A change made by this process. */
  bump(): void {
    this.#version++;
    for (const listener of this.#listeners) listener();
  }

  /** A change another process announced: moves the count without announcing it again. */
  bumpFromElsewhere(): void {
    this.#version++;
  }

  /** Calls `listener` after every local bump. */
  onBump(listener: () => void): void {
    this.#listeners.push(listener);
  }
}
