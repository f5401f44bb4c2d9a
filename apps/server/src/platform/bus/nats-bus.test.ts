import { once } from "node:events";
import net from "node:net";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { testServices, uniqueId } from "../../../test/services.ts";
import type { LogEntry } from "./bus.port.ts";
import { pause, waitFor } from "./bus-test-support.ts";
import { NatsBus } from "./nats-bus.ts";
import type { NatsBusOptions } from "./nats-bus.ts";
import { natsLayout } from "./nats-streams.ts";

/** A TCP relay to the real NATS server that a test can cut and restore, to play an outage. */
class Relay {
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;

  async start(): Promise<void> {
    const target = new URL(testServices.natsUrl);
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 4222), target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(this.port, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("relay has no port");
    this.port = address.port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }
}

const base = uniqueId("nbus");
let count = 0;
const buses: NatsBus[] = [];
const relays: Relay[] = [];

async function open(options: Partial<NatsBusOptions> = {}): Promise<NatsBus> {
  const bus = await NatsBus.connect({ url: testServices.natsUrl, prefix: `${base}x${++count}`, ...options });
  buses.push(bus);
  return bus;
}

async function withJsm<T>(
  run: (jsm: Awaited<ReturnType<typeof jetstreamManager>>) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: testServices.natsUrl });
  try {
    return await run(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.cut()));
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

afterAll(async () => {
  await withJsm(async (jsm) => {
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(base.toUpperCase())) await jsm.streams.delete(name);
    }
  });
});

describe("NatsBus", () => {
  it("creates both streams with the configured limits and updates them on the next connect", async () => {
    const prefix = `${base}x${++count}`;
    const layout = natsLayout(prefix);
    buses.push(
      await NatsBus.connect({ url: testServices.natsUrl, prefix, logRetentionMs: 60_000, logMaxPerKey: 10 }),
    );
    buses.push(
      await NatsBus.connect({ url: testServices.natsUrl, prefix, logRetentionMs: 120_000, logMaxPerKey: 20 }),
    );
    const [jobs, log] = await withJsm((jsm) =>
      Promise.all([jsm.streams.info(layout.jobsStream), jsm.streams.info(layout.logStream)]),
    );
    expect(jobs.config).toMatchObject({
      retention: "workqueue",
      storage: "file",
      subjects: [`${prefix}.jobs.>`],
    });
    expect(log.config).toMatchObject({
      retention: "limits",
      storage: "file",
      subjects: [`${prefix}.log.>`],
      max_age: nanos(120_000),
      max_msgs_per_subject: 20,
    });
  });

  it("keeps a follower going across a deleted and recreated log stream, with the new epoch", async () => {
    const bus = await open();
    const seen: LogEntry[] = [];
    await bus.log.follow("m1", { afterSeq: 0 }, (e) => seen.push(e));
    const old = await bus.log.append("m1", { index: 0 });
    await waitFor("the first entry arrived", () => seen.length === 1);
    await withJsm((jsm) => jsm.streams.delete(natsLayout(`${base}x${count}`).logStream));
    const fresh = await bus.log.append("m1", { index: 1 });
    expect(fresh.epoch).not.toBe(old.epoch);
    await waitFor("the entry of the new stream arrived", () => seen.length === 2, 30_000);
    expect(seen[1]).toEqual(fresh);
  });

  it("keeps the shared log tail for the next follower after the last one left, and drops it on close", async () => {
    const bus = await open();
    const stream = natsLayout(`${base}x${count}`).logStream;
    const consumers = () => withJsm(async (jsm) => (await jsm.streams.info(stream)).state.consumer_count);
    const first = await bus.log.follow("a1", { afterSeq: 0 }, () => undefined);
    expect(await consumers()).toBe(1);
    await first.close();
    // No follower left, and a while later the tail is still there for the next one.
    await pause(300);
    expect(await consumers()).toBe(1);
    const seen: LogEntry[] = [];
    const second = await bus.log.follow("a2", { afterSeq: 0 }, (e) => seen.push(e));
    await bus.log.append("a2", { index: 0 });
    await waitFor("the entry arrived through the kept tail", () => seen.length === 1);
    expect(await consumers()).toBe(1);
    await second.close();
    await bus.close();
    await waitFor("the tail's consumer is gone", async () => (await consumers()) === 0);
  });

  it("does not let idle pulls stall other users of the connection", async () => {
    const bus = await open();
    // Idle consumers and followers hold long-polling pull requests on the shared connection.
    await bus.queue.consume("idle", () => Promise.resolve(), {
      concurrency: 8,
      ackWaitMs: 30_000,
      maxAttempts: 3,
    });
    for (let i = 0; i < 5; i++) await bus.log.follow(`idle${i}`, { afterSeq: 0 }, () => undefined);
    const got: unknown[] = [];
    await bus.pubsub.subscribe("ping", (p) => got.push(p));
    for (let i = 0; i < 20; i++) {
      await bus.pubsub.publish("ping", i);
      await bus.log.append("busy", i);
      await bus.check();
    }
    await waitFor("every ping came back", () => got.length === 20);
    expect(await bus.log.read("busy", { afterSeq: 0 })).toHaveLength(20);
  });

  it("fails check() while NATS is unreachable and recovers by itself, consumers and followers included", async () => {
    const relay = new Relay();
    relays.push(relay);
    await relay.start();
    const bus = await open({
      url: `nats://127.0.0.1:${relay.port}`,
      reconnectTimeWaitMs: 100,
      checkTimeoutMs: 1_000,
    });
    const writer = await NatsBus.connect({ url: testServices.natsUrl, prefix: `${base}x${count}` });
    buses.push(writer);
    const jobs: string[] = [];
    await bus.queue.consume("work", (job) => Promise.resolve(void jobs.push(job.id)), {
      concurrency: 2,
      ackWaitMs: 30_000,
      maxAttempts: 3,
    });
    const seen: number[] = [];
    await bus.log.follow("m1", { afterSeq: 0 }, (e) => seen.push(e.seq));
    const before = await writer.log.append("m1", 0);
    await bus.check();

    await relay.cut();
    await expect(bus.check()).rejects.toThrow();
    const during = [await writer.log.append("m1", 1), await writer.log.append("m1", 2)];
    await writer.queue.enqueue("work", { id: "during-outage", payload: null });
    await pause(300);

    await relay.start();
    await waitFor(
      "check() passes again",
      () =>
        bus.check().then(
          () => true,
          () => false,
        ),
      30_000,
    );
    const after = await writer.log.append("m1", 3);
    await waitFor("the follower caught up", () => seen.length >= 4, 30_000);
    expect(seen).toEqual([before.seq, ...during.map((e) => e.seq), after.seq]);
    await waitFor(
      "the job enqueued during the outage was handled",
      () => jobs.includes("during-outage"),
      30_000,
    );
  });
});
