/**
 * Shared shape of every infrastructure adapter: it can report whether it is usable right now
 * (for `/readyz`) and release its resources (for graceful shutdown).
 */
export interface Component {
  /** Short stable name shown in `/readyz` and logs, for example `database` or `bus`. */
  readonly name: string;
  /** Resolves when the backing service answers; rejects with the reason otherwise. Must not hang: adapters bound it. */
  check(): Promise<void>;
  /** Releases connections, timers and handles. Safe to call twice. */
  close(): Promise<void>;
}

/** A live subscription or consumer that can be stopped. */
export interface Subscription {
  /** Stops delivery; resolves once no handler will be called any more. Safe to call twice. */
  close(): Promise<void>;
}
