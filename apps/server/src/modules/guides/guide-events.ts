import { EventEmitter, on } from "node:events";
import { guidesTopics, type GuideEvent, type GuideSummary } from "@parley/contracts";
import type { Logger } from "pino";
import { AppError } from "../../kernel/app-error.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus, TypedLogEntry } from "../../kernel/typed-bus.ts";
import { holdPresence } from "../../platform/registry/presence.ts";
import type { Registry } from "../../platform/registry/registry.port.ts";

/** `<epoch>:<seq>`: where an event sits in the durable log (its SSE id). */
export const guideEventId = (entry: { epoch: string; seq: number }) => `${entry.epoch}:${entry.seq}`;

function parseEventId(id: string | undefined): { epoch: string; seq: number } | null {
  if (!id) return null;
  const at = id.lastIndexOf(":");
  const seq = Number(id.slice(at + 1));
  return at > 0 && Number.isSafeInteger(seq) && seq >= 0 ? { epoch: id.slice(0, at), seq } : null;
}

/** Guide events as a stream reads them: a snapshot when it could not resume, then each change. */
export interface GuideEventStream extends AsyncIterable<TypedLogEntry<GuideEvent>> {
  /** The state now, when the reader's Last-Event-ID could not be replayed from (or was absent). */
  readonly snapshot: { readonly id: string; readonly event: GuideEvent } | null;
  /** Stops reading; ends the iteration. Idempotent. */
  close(): Promise<void>;
}

/** What the guide event streams need of the guide service: who sees what, and the state now. */
export interface GuideEventSource {
  /** The guide summaries a stream of `scope` starts from; authorizes the caller first. */
  snapshot(scope: GuideScope, ctx: RequestContext): Promise<GuideSummary[]>;
}

/** What a stream follows: one guide, or every guide of one team. */
export type GuideScope = { guideId: string; teamId: string } | { teamId: string };

/** What publishing and reading guide events needs. */
export interface GuideEventsDeps {
  bus: TypedBus;
  registry: Registry;
  logger: Logger;
  /** Event streams one user may hold open at once, across pods. */
  maxStreamsPerUser: number;
}

/** The registry kind counting one user's open guide event streams. */
const userStreams = (userId: string) => `guide-streams:user:${userId}`;

/**
 * Guide changes on the durable log, one log key per team: appended after each change is stored,
 * read by the event streams of one guide or of a whole team, resumable from an event id on any
 * pod (as chat's are).
 */
export class GuideEvents {
  readonly #d: GuideEventsDeps;
  constructor(deps: GuideEventsDeps) {
    this.#d = deps;
  }

  /**
   * Appends a change, after it was stored. The change stands whether or not this lands (a stream
   * that missed it gets a snapshot when it reconnects), so a log outage is logged, not thrown.
   * `dedupeId` keeps a retried append from landing twice.
   */
  async publish(teamId: string, event: GuideEvent, dedupeId: string): Promise<void> {
    try {
      await this.#d.bus.append(guidesTopics.log(teamId), event, { dedupeId });
    } catch (err) {
      this.#d.logger.warn({ err, teamId, dedupeId }, "guide event not appended to the log");
    }
  }

  /**
   * Opens the events of `scope` for the caller of `ctx` (authorized by `source.snapshot`),
   * starting right after `lastEventId` when the log still holds what came after it; otherwise
   * with a snapshot of the state now.
   * @throws AppError `guide.not_found`, `team.not_found`, `auth.forbidden`, `rate_limit.exceeded`.
   */
  async open(
    scope: GuideScope,
    source: GuideEventSource,
    ctx: RequestContext,
    lastEventId: string | undefined,
  ): Promise<GuideEventStream> {
    const d = this.#d;
    // Listening starts at the head read before the snapshot: nothing falls between them.
    const head = await d.bus.head();
    const snapshot = await source.snapshot(scope, ctx);
    const given = parseEventId(lastEventId);
    const resumes = given !== null && given.epoch === head.epoch && given.seq <= head.seq;
    const userKind = userStreams(ctx.principal?.userId ?? "anonymous");
    const presence = await holdPresence(d.registry, {
      kinds: [userKind],
      info: { teamId: scope.teamId },
      limit: { kind: userKind, max: d.maxStreamsPerUser },
    });
    if ("refused" in presence)
      throw new AppError(
        "rate_limit.exceeded",
        `At most ${d.maxStreamsPerUser} guide event streams may be open per user; close a tab`,
        {
          headers: { "retry-after": "5" },
          details: { open: presence.refused, limit: d.maxStreamsPerUser, scope: "streams" },
        },
      );
    const arrivals = new EventEmitter();
    const entries = on(arrivals, "entry", { close: ["end"] }) as AsyncIterator<[TypedLogEntry<GuideEvent>]>;
    let subscription: { close(): Promise<void> } | null = null;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      arrivals.emit("end");
      await subscription?.close();
      await presence.release();
    };
    const guideId = "guideId" in scope ? scope.guideId : null;
    try {
      subscription = await d.bus.follow(
        guidesTopics.log(scope.teamId),
        { afterSeq: resumes ? given.seq : head.seq },
        (entry) => {
          if (guideId === null || concerns(entry.data, guideId)) arrivals.emit("entry", entry);
        },
      );
    } catch (error) {
      await close();
      throw error;
    }
    return {
      snapshot: resumes ? null : { id: guideEventId(head), event: { type: "snapshot", guides: snapshot } },
      close,
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<TypedLogEntry<GuideEvent>>> => {
          const next = await entries.next();
          return next.done || closed
            ? { done: true, value: undefined }
            : { done: false, value: next.value[0] };
        },
        return: async (): Promise<IteratorResult<TypedLogEntry<GuideEvent>>> => {
          await close();
          return { done: true, value: undefined };
        },
      }),
    };
  }
}

function concerns(event: GuideEvent, guideId: string): boolean {
  switch (event.type) {
    case "guide.changed":
      return event.guide.id === guideId;
    case "task.changed":
    case "guide.deleted":
      return event.guideId === guideId;
    case "snapshot":
      return false;
  }
}
