import type { ComponentStatus, Readiness, SystemInfo } from "@parley/contracts";
import type { Component } from "../../platform/lifecycle.ts";
import { withTimeout } from "../../platform/timeout.ts";

/** Dependencies of the system service. */
export interface SystemServiceDeps {
  components: () => Component[];
  info: SystemInfo;
  /** Per-component check timeout. */
  checkTimeoutMs?: number;
}

/** Liveness, readiness and identity of this process. */
export class SystemService {
  readonly #deps: SystemServiceDeps;
  #draining = false;

  constructor(deps: SystemServiceDeps) {
    this.#deps = deps;
  }

  /** Identity of this process. */
  info(): SystemInfo {
    return this.#deps.info;
  }

  /** Whether `startDraining` was called. */
  isDraining(): boolean {
    return this.#draining;
  }

  /** Marks the process as draining: readiness fails so load balancers stop sending traffic. */
  startDraining(): void {
    this.#draining = true;
  }

  /**
   * Checks every component in parallel, each bounded by a timeout, so that one hung service
   * cannot hang the probe. Nothing is cached: a component that comes back is ready at once.
   */
  async readiness(): Promise<Readiness> {
    const timeout = this.#deps.checkTimeoutMs ?? 2_000;
    const entries = await Promise.all(
      this.#deps.components().map(async (component): Promise<[string, ComponentStatus]> => {
        const started = performance.now();
        try {
          await withTimeout(component.check(), timeout, `no answer within ${timeout} ms`);
          return [component.name, { status: "up", latencyMs: elapsed(started) }];
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return [component.name, { status: "down", latencyMs: elapsed(started), error: message }];
        }
      }),
    );
    const components = Object.fromEntries(entries);
    const allUp = entries.every(([, s]) => s.status === "up");
    return { status: this.#draining ? "draining" : allUp ? "ready" : "unavailable", components };
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
