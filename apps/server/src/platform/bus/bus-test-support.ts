import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { testServices, uniqueId } from "../../../test/services.ts";
import type { Bus } from "./bus.port.ts";
import type { BusCommonOptions } from "./bus-common.ts";
import { MemoryBus } from "./memory-bus.ts";
import { NatsBus } from "./nats-bus.ts";
import { natsLayout } from "./nats-streams.ts";

/** One bus under test, plus what the contract needs around it. */
export interface BusHarness {
  readonly bus: Bus;
  /** Errors the bus reported through `onError`. */
  readonly errors: unknown[];
  /** Another process on the same bus: the same instance when embedded, a second connection on NATS. */
  readonly peer: () => Promise<Bus>;
  /** Loses the log (embedded: a restarted process; NATS: the stream deleted) and returns the bus to ask next. */
  readonly loseLog: () => Promise<Bus>;
  readonly close: () => Promise<void>;
}

/** Builds harnesses of one adapter and removes what they left behind. */
export interface BusFactory {
  readonly create: (options?: BusCommonOptions) => Promise<BusHarness>;
  readonly cleanup: () => Promise<void>;
}

/** Harnesses over {@link MemoryBus}. */
export function memoryFactory(): BusFactory {
  return {
    create: (options = {}) => {
      const errors: unknown[] = [];
      const make = () => new MemoryBus({ ...options, onError: (error) => errors.push(error) });
      const buses = [make()];
      const [bus] = buses as [MemoryBus];
      return Promise.resolve({
        bus,
        errors,
        peer: () => Promise.resolve(bus),
        loseLog: () => {
          const restarted = make();
          buses.push(restarted);
          return Promise.resolve(restarted);
        },
        close: async () => {
          await Promise.all(buses.map((b) => b.close()));
        },
      });
    },
    cleanup: () => Promise.resolve(),
  };
}

/** Harnesses over {@link NatsBus}, each under its own random prefix; `cleanup` deletes their streams. */
export function natsFactory(): BusFactory {
  const base = uniqueId("bus");
  let count = 0;
  return {
    create: async (options = {}) => {
      const prefix = `${base}x${++count}`;
      const errors: unknown[] = [];
      const make = () =>
        NatsBus.connect({
          ...options,
          url: testServices.natsUrl,
          prefix,
          onError: (error) => errors.push(error),
        });
      const bus = await make();
      const buses: Bus[] = [bus];
      return {
        bus,
        errors,
        peer: async () => {
          const peer = await make();
          buses.push(peer);
          return peer;
        },
        loseLog: async () => {
          await deleteStreams((name) => name === natsLayout(prefix).logStream);
          return bus;
        },
        close: async () => {
          await Promise.all(buses.map((b) => b.close()));
        },
      };
    },
    cleanup: () => deleteStreams((name) => name.startsWith(base.toUpperCase())),
  };
}

async function deleteStreams(match: (name: string) => boolean): Promise<void> {
  const nc = await connect({ servers: testServices.natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (match(name)) await jsm.streams.delete(name);
    }
  } finally {
    await nc.close();
  }
}

/**
 * Polls `check` until it returns true; fails with `what` after `timeoutMs`. Use it instead of
 * fixed sleeps so a test waits only as long as the bus needs.
 * @example
 * await waitFor("both subscribers got the message", () => a.length === 1 && b.length === 1);
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves after `ms`; only for proving that something does *not* happen within a window. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
