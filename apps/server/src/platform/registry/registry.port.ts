import type { Component } from "../lifecycle.ts";

/** Key-value cache with per-entry TTL, shared by all processes in distributed mode. */
export interface Cache {
  /** The value stored under `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<unknown>;
  /** Stores a JSON-serialisable `value` for `ttlMs` milliseconds. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Stores `value` only when `key` is absent; true when it did (a lease, a lock, a dedupe mark). */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /**
   * In one atomic step: stores `value` under `first.key` when it is absent and, only if it did,
   * under `second.key` when that is absent too. Resolves to how many of the two it stored: 0
   * (`first` was there; nothing changed), 1 (`second` was there) or 2. A lease taken together
   * with a once-only mark, in one round trip instead of two.
   */
  setIfAbsentInTurn(
    first: { key: string; ttlMs: number },
    second: { key: string; ttlMs: number },
    value: unknown,
  ): Promise<0 | 1 | 2>;
  /** Removes `key`; true when something was removed. */
  delete(key: string): Promise<boolean>;
}

/** A member of the registry, alive until its TTL runs out without a renewed `register`. */
export interface RegistryMember {
  readonly id: string;
  readonly info: Record<string, unknown>;
  /** When the member expires unless it heartbeats again, ms since the Unix epoch. */
  readonly expiresAt: number;
}

/**
 * Registry of live things (pods, SSE connections) with heartbeats and TTLs. Serves presence,
 * metrics and cleanup; correctness never depends on it.
 */
export interface Registry {
  /** Adds or renews (`heartbeat`) a member of `kind` for `ttlMs`. */
  register(kind: string, id: string, info: Record<string, unknown>, ttlMs: number): Promise<void>;
  deregister(kind: string, id: string): Promise<void>;
  /** Live (unexpired) members of `kind`. */
  list(kind: string): Promise<RegistryMember[]>;
}

/** The registry/cache port. */
export interface RegistryStore extends Component {
  readonly cache: Cache;
  readonly registry: Registry;
}
