import { randomBytes } from "node:crypto";
import type { Subscription } from "../lifecycle.ts";
import type { Clock } from "../clock/clock.ts";
import type { AppendOptions, EventLog, LogEntry } from "./bus.port.ts";
import type { BusErrorHandler, SubscriptionSet } from "./bus-common.ts";
import { assertToken, decodePayload, encodePayload, settle } from "./bus-common.ts";

/** An entry as kept in memory: the data stays serialised so nobody can mutate what is stored. */
interface StoredEntry {
  readonly key: string;
  readonly seq: number;
  readonly time: number;
  readonly text: string;
}

/** What {@link MemoryEventLog} needs from the bus that owns it. */
export interface MemoryEventLogDeps {
  retentionMs: number;
  maxPerKey: number;
  clock: Clock;
  onError: BusErrorHandler;
  counters: { appended: number };
  subscriptions: SubscriptionSet;
}

/** Hands entries to one follower asynchronously, in order, never after it was closed. */
class Follower {
  #pending: LogEntry[] = [];
  #scheduled = false;
  #closed = false;
  readonly #deliver: (entry: LogEntry) => void;

  constructor(deliver: (entry: LogEntry) => void) {
    this.#deliver = deliver;
  }

  push(entries: readonly LogEntry[]): void {
    if (this.#closed || entries.length === 0) return;
    this.#pending.push(...entries);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#drain();
    });
  }

  close(): void {
    this.#closed = true;
    this.#pending = [];
  }

  #drain(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    for (const entry of batch) {
      if (this.#closed) return;
      this.#deliver(entry);
    }
  }
}

/**
 * The embedded durable log: per-key arrays under one global sequence, pruned by age and count.
 * "Durable" for the life of the process; the epoch is new on every start, so readers holding
 * positions from an earlier process are told the log was lost.
 */
export class MemoryEventLog implements EventLog {
  readonly #epoch = `mem-${randomBytes(6).toString("hex")}`;
  readonly #entries = new Map<string, StoredEntry[]>();
  readonly #followers = new Map<string, Set<Follower>>();
  readonly #deps: MemoryEventLogDeps;
  readonly #sweeper: NodeJS.Timeout;
  #seq = 0;
  readonly #dedupe = new Map<string, StoredEntry>();
  readonly #dedupeWindowMs = 2 * 60 * 1000;

  constructor(deps: MemoryEventLogDeps) {
    this.#deps = deps;
    this.#sweeper = setInterval(
      () => {
        this.#sweep();
      },
      Math.min(deps.retentionMs, 60_000),
    );
    this.#sweeper.unref();
  }

  append(key: string, data: unknown, options: AppendOptions = {}): Promise<LogEntry> {
    return settle(() => {
      assertToken(key, "log key");
      const dedupeId = options.dedupeId;
      if (dedupeId !== undefined) {
        const seen = this.#dedupe.get(dedupeId);
        if (seen && seen.time > this.#deps.clock.now() - this.#dedupeWindowMs) return this.#toEntry(seen);
      }
      const text = encodePayload(data);
      const stored: StoredEntry = { key, seq: ++this.#seq, time: this.#deps.clock.now(), text };
      const list = this.#entries.get(key) ?? [];
      if (list.length === 0) this.#entries.set(key, list);
      list.push(stored);
      if (list.length > this.#deps.maxPerKey) list.splice(0, list.length - this.#deps.maxPerKey);
      this.#prune(key);
      this.#deps.counters.appended++;
      if (dedupeId !== undefined) this.#rememberDedupe(dedupeId, stored);
      // One decoded entry for all live followers (as the NATS log's shared tail does).
      const followers = this.#followers.get(key);
      if (followers?.size) {
        const shared = [this.#toEntry(stored)];
        for (const follower of followers) follower.push(shared);
      }
      return this.#toEntry(stored);
    });
  }

  epoch(): Promise<string> {
    return Promise.resolve(this.#epoch);
  }

  /** Dedupe ids in insertion (so time) order; old ones are dropped as new ones arrive. */
  #rememberDedupe(id: string, stored: StoredEntry): void {
    this.#dedupe.set(id, stored);
    const horizon = this.#deps.clock.now() - this.#dedupeWindowMs;
    for (const [old, entry] of this.#dedupe) {
      if (entry.time > horizon) break;
      this.#dedupe.delete(old);
    }
  }

  head(): Promise<{ seq: number; epoch: string }> {
    return Promise.resolve({ seq: this.#seq, epoch: this.#epoch });
  }

  read(key: string, options: { afterSeq: number; limit?: number }): Promise<LogEntry[]> {
    return settle(() => {
      assertToken(key, "log key");
      const after = this.#after(key, options.afterSeq);
      const limited = options.limit === undefined ? after : after.slice(0, Math.max(0, options.limit));
      return limited.map((stored) => this.#toEntry(stored));
    });
  }

  follow(
    key: string,
    options: { afterSeq: number },
    onEntry: (entry: LogEntry) => void,
  ): Promise<Subscription> {
    return settle(() => {
      assertToken(key, "log key");
      const follower = new Follower((entry) => {
        try {
          onEntry(entry);
        } catch (error) {
          this.#deps.onError(error, `log follower of "${key}" threw`);
        }
      });
      // Replay and registration happen in the same synchronous step, so no append can fall
      // between them: that is what makes the hand-over gap- and duplicate-free.
      follower.push(this.#after(key, options.afterSeq).map((stored) => this.#toEntry(stored)));
      const followers = this.#followers.get(key) ?? new Set<Follower>();
      followers.add(follower);
      this.#followers.set(key, followers);
      return this.#deps.subscriptions.track(() => {
        follower.close();
        followers.delete(follower);
        if (followers.size === 0 && this.#followers.get(key) === followers) this.#followers.delete(key);
        return Promise.resolve();
      });
    });
  }

  purge(key: string): Promise<void> {
    return settle(() => {
      assertToken(key, "log key");
      this.#entries.delete(key);
    });
  }

  /** Stops the retention sweeper and forgets every entry. */
  close(): void {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }

  /** Retained entries of `key` with `seq > afterSeq`, oldest first. */
  #after(key: string, afterSeq: number): StoredEntry[] {
    this.#prune(key);
    const list = this.#entries.get(key) ?? [];
    let low = 0;
    let high = list.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((list[mid]?.seq ?? Infinity) <= afterSeq) low = mid + 1;
      else high = mid;
    }
    return list.slice(low);
  }

  /** Drops the entries of `key` older than the retention. */
  #prune(key: string): void {
    const list = this.#entries.get(key);
    if (list === undefined) return;
    const oldest = this.#deps.clock.now() - this.#deps.retentionMs;
    let expired = 0;
    while (expired < list.length && (list[expired]?.time ?? Infinity) < oldest) expired++;
    if (expired > 0) list.splice(0, expired);
    if (list.length === 0) this.#entries.delete(key);
  }

  #sweep(): void {
    for (const key of [...this.#entries.keys()]) this.#prune(key);
  }

  #toEntry(stored: StoredEntry): LogEntry {
    return {
      key: stored.key,
      seq: stored.seq,
      epoch: this.#epoch,
      data: decodePayload(stored.text),
      time: stored.time,
    };
  }
}
