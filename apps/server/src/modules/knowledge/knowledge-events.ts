import { EventEmitter, on } from "node:events";
import { knowledgeEventTopics, type DocumentProgress } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Subscription } from "../../platform/lifecycle.ts";
import { holdPresence } from "../../platform/registry/presence.ts";
import type { Registry } from "../../platform/registry/registry.port.ts";
import { progressOfRow } from "./ingest-signals.ts";
import type { KnowledgeRepository } from "./knowledge.repository.ts";
import type { KnowledgeService } from "./knowledge.service.ts";

type Listener = (event: DocumentProgress) => void;

/**
 * The document progress of every knowledge base, as this process's clients watch it: one bus
 * subscription per process (events come from the workers of any pod), fanned out by base.
 */
export class ProgressHub {
  readonly #bus: TypedBus;
  readonly #listeners = new Map<string, Set<Listener>>();
  #subscription: Promise<Subscription> | null = null;

  constructor(bus: TypedBus) {
    this.#bus = bus;
  }

  /**
   * Calls `listener` with every event of knowledge base `knowledgeBaseId` published from the
   * moment this resolves. @returns the function that stops it.
   */
  async watch(knowledgeBaseId: string, listener: Listener): Promise<() => void> {
    this.#subscription ??= this.#bus.subscribe(knowledgeEventTopics.progress, (event) => {
      for (const l of this.#listeners.get(event.knowledgeBaseId) ?? []) l(event);
    });
    try {
      await this.#subscription;
    } catch (error) {
      this.#subscription = null;
      throw error;
    }
    const listeners = this.#listeners.get(knowledgeBaseId) ?? new Set<Listener>();
    this.#listeners.set(knowledgeBaseId, listeners);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#listeners.get(knowledgeBaseId) === listeners)
        this.#listeners.delete(knowledgeBaseId);
    };
  }

  /** Ends the subscription (process shutdown). */
  async close(): Promise<void> {
    const subscription = this.#subscription;
    this.#subscription = null;
    await (await subscription?.catch(() => null))?.close();
  }
}

/**
 * A knowledge base's document events: `snapshot` (each document as it is now), then every change
 * as it comes, until `close()`.
 */
export interface DocumentEventStream extends AsyncIterable<DocumentProgress> {
  readonly snapshot: readonly DocumentProgress[];
  /** Stops listening; ends the iteration. Idempotent. */
  close(): void;
}

/** What opening a knowledge base's events needs. */
export interface KnowledgeEventsDeps {
  knowledge: Pick<KnowledgeService, "visible">;
  documents: Pick<KnowledgeRepository, "documents">;
  hub: ProgressHub;
  registry: Registry;
  /** Knowledge event streams one user may hold open at once, across pods. */
  maxStreamsPerUser: number;
}

/** The registry kind counting one user's open knowledge event streams. */
const userStreams = (userId: string) => `knowledge-streams:user:${userId}`;

/** The live view of a knowledge base's documents, whatever carries it (SSE today). */
export class KnowledgeEvents {
  readonly #d: KnowledgeEventsDeps;
  constructor(deps: KnowledgeEventsDeps) {
    this.#d = deps;
  }

  /**
   * Opens the events of knowledge base `id` for the caller of `ctx`. Listens before reading the
   * snapshot, so no change falls between them (one may come twice: the later one is right).
   * @throws AppError `knowledge_base.not_found` (not visible), `auth.forbidden`.
   */
  async open(id: string, ctx: RequestContext): Promise<DocumentEventStream> {
    await this.#d.knowledge.visible(id, ctx, "knowledge:read");
    const userKind = userStreams(ctx.principal?.userId ?? "anonymous");
    const max = this.#d.maxStreamsPerUser;
    const presence = await holdPresence(this.#d.registry, {
      kinds: [userKind],
      info: { knowledgeBaseId: id },
      limit: { kind: userKind, max },
    });
    if ("refused" in presence)
      throw new AppError(
        "rate_limit.exceeded",
        `At most ${max} knowledge event streams may be open per user; close a tab`,
        {
          headers: { "retry-after": "5" },
          details: { open: presence.refused, limit: max, scope: "streams" },
        },
      );
    // `events.on` queues what arrives while the reader writes; "end" finishes the iteration.
    const arrivals = new EventEmitter();
    const events = on(arrivals, "event", { close: ["end"] }) as AsyncIterator<[DocumentProgress]>;
    let unwatch: () => void;
    try {
      unwatch = await this.#d.hub.watch(id, (event) => arrivals.emit("event", event));
    } catch (error) {
      await presence.release();
      throw error;
    }
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unwatch();
      void presence.release();
      arrivals.emit("end");
    };
    let snapshot: DocumentProgress[];
    try {
      snapshot = (await this.#d.documents.documents(id)).map((row) => progressOfRow(row));
    } catch (error) {
      close();
      throw error;
    }
    return {
      snapshot,
      close,
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<DocumentProgress>> => {
          const next = await events.next();
          return next.done || closed
            ? { done: true, value: undefined }
            : { done: false, value: next.value[0] };
        },
        return: (): Promise<IteratorResult<DocumentProgress>> => {
          close();
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    };
  }
}
