import { systemClock, type Clock } from "../clock/clock.ts";
import type { Cache, Registry, RegistryMember, RegistryStore } from "./registry.port.ts";
import { byId, parseInfo, toJson, wholeTtlMs } from "./registry-values.ts";

/** Options of {@link MemoryRegistryStore}. */
export interface MemoryRegistryStoreOptions {
  /** Decides expiry; pass a `ManualClock` in tests. Defaults to the system clock. */
  clock?: Clock;
  /** How often expired entries are swept out of memory. Defaults to 60 000 ms. */
  sweepIntervalMs?: number;
}

interface Entry {
  /** Values are kept as JSON so every read hands out a fresh copy, as the Redis adapter does. */
  json: string;
  expiresAt: number;
}

/**
 * The embedded registry/cache: one process, in memory. Entries expire lazily on access and are
 * swept periodically by an unref'd timer, so an idle process neither leaks nor stays alive for it.
 * @example
 * const store = new MemoryRegistryStore({ clock: new ManualClock(0) });
 * await store.cache.set("k", { a: 1 }, 1_000);
 */
export class MemoryRegistryStore implements RegistryStore {
  readonly name = "registry";
  readonly cache: Cache;
  readonly registry: Registry;
  readonly #clock: Clock;
  readonly #values = new Map<string, Entry>();
  /** kind → id → member. */
  readonly #members = new Map<string, Map<string, Entry>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryRegistryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#sweeper = setInterval(() => {
      this.sweep();
    }, options.sweepIntervalMs ?? 60_000);
    this.#sweeper.unref();
    this.cache = {
      get: (key) => settle(() => this.#get(key)),
      set: (key, value, ttlMs) =>
        settle(() => {
          this.#values.set(key, this.#entry(value, ttlMs));
        }),
      setIfAbsent: (key, value, ttlMs) =>
        settle(() => {
          const entry = this.#entry(value, ttlMs);
          if (this.#live(this.#values, key)) return false;
          this.#values.set(key, entry);
          return true;
        }),
      setIfAbsentInTurn: (first, second, value) =>
        settle(() => {
          const entries = [this.#entry(value, first.ttlMs), this.#entry(value, second.ttlMs)] as const;
          if (this.#live(this.#values, first.key)) return 0;
          this.#values.set(first.key, entries[0]);
          if (this.#live(this.#values, second.key)) return 1;
          this.#values.set(second.key, entries[1]);
          return 2;
        }),
      delete: (key) => settle(() => this.#live(this.#values, key) !== undefined && this.#values.delete(key)),
    };
    this.registry = {
      register: (kind, id, info, ttlMs) =>
        settle(() => {
          const entry = this.#entry(info, ttlMs);
          let members = this.#members.get(kind);
          if (!members) {
            members = new Map();
            this.#members.set(kind, members);
          }
          members.set(id, entry);
        }),
      deregister: (kind, id) =>
        settle(() => {
          this.#members.get(kind)?.delete(id);
        }),
      list: (kind) => settle(() => this.#list(kind)),
    };
  }

  /** Drops every expired entry now; the timer calls it periodically. */
  sweep(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#values) if (entry.expiresAt <= now) this.#values.delete(key);
    for (const [kind, members] of this.#members) {
      for (const [id, member] of members) if (member.expiresAt <= now) members.delete(id);
      if (members.size === 0) this.#members.delete(kind);
    }
  }

  /** Always ready: memory needs no connection. */
  check(): Promise<void> {
    return Promise.resolve();
  }

  /** Stops the sweep timer. The data stays readable; safe to call twice. */
  close(): Promise<void> {
    clearInterval(this.#sweeper);
    return Promise.resolve();
  }

  #entry(value: unknown, ttlMs: number): Entry {
    return { json: toJson(value), expiresAt: this.#clock.now() + wholeTtlMs(ttlMs) };
  }

  /** The unexpired entry under `key`, deleting it when it has expired. */
  #live(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.#clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  #get(key: string): unknown {
    const entry = this.#live(this.#values, key);
    return entry === undefined ? undefined : JSON.parse(entry.json);
  }

  /** Live members of `kind` sorted by id, pruning the expired ones. */
  #list(kind: string): RegistryMember[] {
    const members = this.#members.get(kind);
    if (!members) return [];
    const live: RegistryMember[] = [];
    for (const id of [...members.keys()]) {
      const member = this.#live(members, id);
      if (member) live.push({ id, info: parseInfo(member.json), expiresAt: member.expiresAt });
    }
    return live.sort(byId);
  }
}

/** Runs `fn` now and reports its outcome as a promise, so a bad argument rejects rather than throws. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(fn());
  });
}
