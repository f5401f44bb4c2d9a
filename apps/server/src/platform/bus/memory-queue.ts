import type { Subscription } from "../lifecycle.ts";
import type { Clock } from "../clock/clock.ts";
import type { BusStats, ConsumeOptions, Job, WorkQueue } from "./bus.port.ts";
import type { BusErrorHandler, SubscriptionSet } from "./bus-common.ts";
import { assertConsumeOptions, assertToken, decodePayload, encodePayload, settle } from "./bus-common.ts";

/** One delivery of a job to a handler; only the job's current delivery may redeliver it. */
interface Delivery {
  timer: NodeJS.Timeout | undefined;
}

interface QueuedJob {
  readonly id: string;
  readonly text: string;
  attempts: number;
  /** Acknowledged or dropped: never delivered again. */
  done: boolean;
  current: Delivery | undefined;
}

interface Consumer {
  readonly handler: (job: Job) => Promise<void>;
  readonly options: ConsumeOptions;
  readonly running: Set<Promise<void>>;
  closed: boolean;
}

interface QueueState {
  readonly name: string;
  ready: QueuedJob[];
  readonly consumers: Consumer[];
  /** Job id → enqueue time, in insertion (so time) order, for the duplicate window. */
  readonly seen: Map<string, number>;
  nextConsumer: number;
  dispatchScheduled: boolean;
}

/** What {@link MemoryWorkQueue} needs from the bus that owns it. */
export interface MemoryWorkQueueDeps {
  duplicateWindowMs: number;
  retryDelayMs: (attempt: number) => number;
  clock: Clock;
  onError: BusErrorHandler;
  counters: Pick<BusStats, "enqueued" | "acked" | "redelivered">;
  subscriptions: SubscriptionSet;
}

/**
 * The embedded work queue: FIFO per queue, competing consumers served round-robin, redelivery
 * after a throw (with backoff) or after the ack wait, duplicate ids dropped within a window.
 */
export class MemoryWorkQueue implements WorkQueue {
  readonly #queues = new Map<string, QueueState>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #deps: MemoryWorkQueueDeps;
  #closed = false;

  constructor(deps: MemoryWorkQueueDeps) {
    this.#deps = deps;
  }

  enqueue(queue: string, job: { id: string; payload: unknown }): Promise<void> {
    return settle(() => {
      assertToken(queue, "queue name");
      if (job.id === "") throw new Error("invalid job id: empty");
      const text = encodePayload(job.payload);
      const state = this.#state(queue);
      const now = this.#deps.clock.now();
      for (const [id, time] of state.seen) {
        if (time > now - this.#deps.duplicateWindowMs) break;
        state.seen.delete(id);
      }
      if (state.seen.has(job.id)) return;
      state.seen.set(job.id, now);
      state.ready.push({ id: job.id, text, attempts: 0, done: false, current: undefined });
      this.#deps.counters.enqueued++;
      this.#scheduleDispatch(state);
    });
  }

  consume(
    queue: string,
    handler: (job: Job) => Promise<void>,
    options: ConsumeOptions,
  ): Promise<Subscription> {
    return settle(() => {
      assertToken(queue, "queue name");
      assertConsumeOptions(options);
      const state = this.#state(queue);
      const consumer: Consumer = { handler, options, running: new Set(), closed: false };
      state.consumers.push(consumer);
      this.#scheduleDispatch(state);
      return this.#deps.subscriptions.track(async () => {
        consumer.closed = true;
        state.consumers.splice(state.consumers.indexOf(consumer), 1);
        await Promise.allSettled([...consumer.running]);
      });
    });
  }

  /** Cancels pending redeliveries and ack-wait timers; queued jobs are forgotten. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queues.clear();
  }

  #state(queue: string): QueueState {
    let state = this.#queues.get(queue);
    if (state === undefined) {
      state = {
        name: queue,
        ready: [],
        consumers: [],
        seen: new Map(),
        nextConsumer: 0,
        dispatchScheduled: false,
      };
      this.#queues.set(queue, state);
    }
    return state;
  }

  /** Dispatches on a microtask, so enqueue never runs a handler inside the caller's stack. */
  #scheduleDispatch(state: QueueState): void {
    if (state.dispatchScheduled || this.#closed) return;
    state.dispatchScheduled = true;
    queueMicrotask(() => {
      state.dispatchScheduled = false;
      this.#dispatch(state);
    });
  }

  #dispatch(state: QueueState): void {
    while (state.ready.length > 0 && !this.#closed) {
      const consumer = this.#freeConsumer(state);
      if (consumer === undefined) return;
      const job = state.ready.shift();
      if (job !== undefined && !job.done) this.#deliver(state, consumer, job);
    }
  }

  /** The next consumer with a free slot, round-robin so that competing consumers share work. */
  #freeConsumer(state: QueueState): Consumer | undefined {
    const count = state.consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (state.nextConsumer + i) % count;
      const consumer = state.consumers[index];
      if (consumer !== undefined && consumer.running.size < consumer.options.concurrency) {
        state.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  #deliver(state: QueueState, consumer: Consumer, job: QueuedJob): void {
    job.attempts++;
    if (job.attempts > 1) this.#deps.counters.redelivered++;
    const delivery: Delivery = { timer: undefined };
    job.current = delivery;
    const armAckWait = (): void => {
      this.#clearTimer(delivery.timer);
      delivery.timer = this.#setTimer(() => {
        this.#ackWaitExpired(state, consumer, job, delivery);
      }, consumer.options.ackWaitMs);
    };
    armAckWait();
    const view: Job = {
      id: job.id,
      payload: decodePayload(job.text),
      attempt: job.attempts,
      extend: () => {
        if (job.current === delivery && !job.done) armAckWait();
        return Promise.resolve();
      },
    };
    const run = (async () => {
      try {
        await consumer.handler(view);
        this.#succeeded(state, job);
      } catch (error) {
        this.#failed(state, consumer, job, delivery, error);
      }
    })();
    consumer.running.add(run);
    void run.finally(() => {
      consumer.running.delete(run);
      this.#scheduleDispatch(state);
    });
  }

  /**
   * Any delivery that succeeds acknowledges the job, even one whose ack wait ran out. Every
   * acknowledgement counts, like the acks a JetStream consumer sends.
   */
  #succeeded(state: QueueState, job: QueuedJob): void {
    this.#deps.counters.acked++;
    if (job.done) return;
    job.done = true;
    this.#clearTimer(job.current?.timer);
    job.current = undefined;
    state.ready = state.ready.filter((queued) => queued !== job);
  }

  #failed(state: QueueState, consumer: Consumer, job: QueuedJob, delivery: Delivery, error: unknown): void {
    // A stale delivery (its ack wait ran out and the job went elsewhere) no longer decides.
    if (job.done || job.current !== delivery) return;
    this.#clearTimer(delivery.timer);
    job.current = undefined;
    if (job.attempts >= consumer.options.maxAttempts) {
      job.done = true;
      this.#deps.onError(
        new Error(`job "${job.id}" of queue "${state.name}" dropped after ${job.attempts} attempts`, {
          cause: error,
        }),
        "work queue",
      );
      return;
    }
    this.#setTimer(() => {
      this.#requeue(state, job);
    }, this.#deps.retryDelayMs(job.attempts));
  }

  #ackWaitExpired(state: QueueState, consumer: Consumer, job: QueuedJob, delivery: Delivery): void {
    if (job.done || job.current !== delivery) return;
    job.current = undefined;
    if (job.attempts >= consumer.options.maxAttempts) {
      // Like JetStream's max_deliver: no further delivery, but a late success still acknowledges.
      this.#deps.onError(
        new Error(
          `job "${job.id}" of queue "${state.name}" not redelivered: ${job.attempts} attempts timed out`,
        ),
        "work queue",
      );
      return;
    }
    this.#requeue(state, job);
  }

  #requeue(state: QueueState, job: QueuedJob): void {
    if (job.done) return;
    state.ready.push(job);
    this.#scheduleDispatch(state);
  }

  #setTimer(run: () => void, ms: number): NodeJS.Timeout | undefined {
    // A handler still running when the bus closed must not start new timers.
    if (this.#closed) return undefined;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #clearTimer(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }
}
