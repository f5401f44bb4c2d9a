/**
 * Counts this process's changes to who may do what: users' roles and status, team memberships,
 * API keys. The repositories bump it after each such write; a cache of principals keeps the
 * count read before its lookups and is stale once the count moved on.
 * @example
 * const changes = new IdentityChanges(); const seen = changes.version;
 * changes.bump(); changes.version !== seen; // true
 */
export class IdentityChanges {
  #version = 0;

  get version(): number {
    return this.#version;
  }

  bump(): void {
    this.#version++;
  }
}
