import type { BlobStore } from "./blob/blob.port.ts";
import type { Bus } from "./bus/bus.port.ts";
import type { Clock } from "./clock/clock.ts";
import type { Database } from "./db/database.ts";
import type { Component } from "./lifecycle.ts";
import type { RateLimiter } from "./rate-limit/rate-limit.port.ts";
import type { RegistryStore } from "./registry/registry.port.ts";
import type { Secrets } from "./secrets.ts";

/** Every infrastructure adapter of one process, chosen by configuration. */
export interface Platform {
  readonly mode: "embedded" | "distributed";
  /**
   * Whether this process is the only one on its database (SQLite in the data folder it holds
   * locked): whatever another process left unfinished there, that process is dead.
   */
  readonly soleDatabaseUser: boolean;
  readonly database: Database;
  readonly bus: Bus;
  readonly store: RegistryStore;
  readonly rateLimiter: RateLimiter;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  /** Keys derived from the installation's secret (JWT signing, audit seal, encryption at rest). */
  readonly secrets: Secrets;
  /** The components `/readyz` checks. */
  components(): Component[];
  /** Closes every adapter, newest first. */
  close(): Promise<void>;
}
