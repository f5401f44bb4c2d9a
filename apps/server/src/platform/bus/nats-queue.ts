import { setTimeout as sleep } from "node:timers/promises";
import { nanos } from "@nats-io/transport-node";
import type {
  Consumer,
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  PubAck,
} from "@nats-io/jetstream";
import { AckPolicy, DeliverPolicy, JetStreamApiCodes } from "@nats-io/jetstream";
import type { Subscription } from "../lifecycle.ts";
import type { BusStats, ConsumeOptions, Job, WorkQueue } from "./bus.port.ts";
import type { BusErrorHandler, SubscriptionSet } from "./bus-common.ts";
import { assertConsumeOptions, assertToken, decodePayload, encodePayload } from "./bus-common.ts";
import type { NatsLayout } from "./nats-streams.ts";
import { isApiError, isNoStreamForSubject, isStreamNotFound, recreateGraceMs } from "./nats-streams.ts";

/** What {@link NatsWorkQueue} needs from the bus that owns it. */
export interface NatsWorkQueueDeps {
  js: JetStreamClient;
  jsm: JetStreamManager;
  layout: NatsLayout;
  /** Creates or updates the jobs stream. */
  ensureStream: () => Promise<unknown>;
  retryDelayMs: (attempt: number) => number;
  onError: BusErrorHandler;
  counters: Pick<BusStats, "enqueued" | "acked" | "redelivered">;
  subscriptions: SubscriptionSet;
}

/**
 * The distributed work queue: a JetStream work-queue stream, one subject and one durable pull
 * consumer per queue, shared by every process that consumes it. JetStream drops a second publish
 * with the same `Nats-Msg-Id` (the job id) within the stream's duplicate window.
 */
export class NatsWorkQueue implements WorkQueue {
  readonly #deps: NatsWorkQueueDeps;

  constructor(deps: NatsWorkQueueDeps) {
    this.#deps = deps;
  }

  async enqueue(queue: string, job: { id: string; payload: unknown }): Promise<void> {
    assertToken(queue, "queue name");
    if (job.id === "") throw new Error("invalid job id: empty");
    const subject = this.#deps.layout.jobsSubject(queue);
    const body = encodePayload(job.payload);
    let ack: PubAck | undefined;
    for (let attempt = 1; ack === undefined; attempt++) {
      try {
        ack = await this.#deps.js.publish(subject, body, { msgID: job.id });
      } catch (error) {
        // No stream on the subject means nothing was stored; anything else may have been.
        if (!isNoStreamForSubject(error) || attempt >= 5) throw error;
        await sleep(attempt === 1 ? recreateGraceMs : 50 * attempt);
        await this.#deps.ensureStream();
      }
    }
    if (!ack.duplicate) this.#deps.counters.enqueued++;
  }

  async consume(
    queue: string,
    handler: (job: Job) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    assertToken(queue, "queue name");
    assertConsumeOptions(options);
    const consumer = await this.#durable(queue, options);
    const worker = new QueueWorker(queue, handler, options, consumer, this.#deps, () =>
      this.#durable(queue, options),
    );
    return this.#deps.subscriptions.track(() => worker.close());
  }

  /** Creates or updates the queue's durable consumer (named after the queue) and returns it. */
  async #durable(queue: string, options: ConsumeOptions): Promise<Consumer> {
    const { jsm, js, layout } = this.#deps;
    const settings = { ack_wait: nanos(options.ackWaitMs), max_deliver: options.maxAttempts };
    try {
      const info = await jsm.consumers.info(layout.jobsStream, queue);
      if (info.config.ack_wait !== settings.ack_wait || info.config.max_deliver !== settings.max_deliver) {
        await jsm.consumers.update(layout.jobsStream, queue, settings);
      }
    } catch (error) {
      if (isStreamNotFound(error)) {
        await sleep(recreateGraceMs);
        await this.#deps.ensureStream();
      } else if (!isApiError(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
      await jsm.consumers.add(layout.jobsStream, {
        ...settings,
        durable_name: queue,
        filter_subject: layout.jobsSubject(queue),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
    }
    return await js.consumers.get(layout.jobsStream, queue);
  }
}

/**
 * Pulls at most as many jobs as it has free slots (so no job waits in a local buffer while its
 * ack wait runs out) and runs them concurrently. Pulls are ordinary async requests on the shared
 * connection: an idle consumer waiting for jobs never blocks other users of the connection.
 */
class QueueWorker {
  readonly #queue: string;
  readonly #handler: (job: Job) => Promise<void>;
  readonly #options: ConsumeOptions;
  readonly #deps: NatsWorkQueueDeps;
  readonly #recreate: () => Promise<Consumer>;
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #loop: Promise<void>;
  #consumer: Consumer;
  #batch: ConsumerMessages | undefined;
  #slotFreed: (() => void) | undefined;

  constructor(
    queue: string,
    handler: (job: Job) => Promise<void>,
    options: ConsumeOptions,
    consumer: Consumer,
    deps: NatsWorkQueueDeps,
    recreate: () => Promise<Consumer>,
  ) {
    this.#queue = queue;
    this.#handler = handler;
    this.#options = options;
    this.#consumer = consumer;
    this.#deps = deps;
    this.#recreate = recreate;
    this.#loop = this.#pullLoop();
  }

  /** Stops pulling, hands back unstarted jobs, and waits for running handlers to settle. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#batch?.stop();
    this.#slotFreed?.();
    await this.#loop;
    await Promise.allSettled([...this.#running]);
  }

  async #pullLoop(): Promise<void> {
    let delay = 250;
    let failing = false;
    while (!this.#stopped()) {
      await this.#freeSlot();
      if (this.#stopped()) return;
      try {
        const free = this.#options.concurrency - this.#running.size;
        const batch = await this.#consumer.fetch({ max_messages: free, expires: 10_000 });
        this.#batch = batch;
        if (this.#stopped()) batch.stop();
        for await (const message of batch) {
          if (this.#stopped()) message.nak();
          else this.#start(message);
        }
        delay = 250;
        failing = false;
      } catch (error) {
        if (this.#stopped()) return;
        // Report the first failure of a streak only: an outage would otherwise log every retry.
        if (!failing) this.#deps.onError(error, `consumer of queue "${this.#queue}" failed; retrying`);
        failing = true;
        try {
          await sleep(delay, undefined, { signal: this.#stop.signal });
          this.#consumer = await this.#recreate();
        } catch {
          // Closed while waiting, or still unreachable: the loop condition or the next fetch tells.
        }
        delay = Math.min(delay * 2, 5_000);
      } finally {
        this.#batch = undefined;
      }
    }
  }

  /** A method rather than the property, so that TypeScript does not narrow it across awaits. */
  #stopped(): boolean {
    return this.#stop.signal.aborted;
  }

  #freeSlot(): Promise<void> {
    if (this.#running.size < this.#options.concurrency || this.#stopped()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#slotFreed = () => {
        this.#slotFreed = undefined;
        resolve();
      };
    });
  }

  #start(message: JsMsg): void {
    const attempt = message.info.deliveryCount;
    if (attempt > 1) this.#deps.counters.redelivered++;
    const run = this.#run(message, attempt)
      .catch((error: unknown) => {
        this.#deps.onError(error, `settling a job of queue "${this.#queue}"`);
      })
      .finally(() => {
        this.#running.delete(run);
        this.#slotFreed?.();
      });
    this.#running.add(run);
  }

  async #run(message: JsMsg, attempt: number): Promise<void> {
    try {
      const job: Job = {
        id: message.headers?.get("Nats-Msg-Id") || String(message.seq),
        payload: decodePayload(message.string()),
        attempt,
        extend: () => {
          message.working();
          return Promise.resolve();
        },
      };
      await this.#handler(job);
      message.ack();
      this.#deps.counters.acked++;
    } catch (error) {
      if (attempt < this.#options.maxAttempts) {
        message.nak(this.#deps.retryDelayMs(attempt));
        return;
      }
      // Acknowledge to drop it: on a work-queue stream that removes the message for good.
      message.ack();
      this.#deps.onError(
        new Error(`job of queue "${this.#queue}" (seq ${message.seq}) dropped after ${attempt} attempts`, {
          cause: error,
        }),
        "work queue",
      );
    }
  }
}
