import { EventEmitter, on } from "node:events";
import { chatTopics, type ChatEvent } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus, TypedLogEntry } from "../../kernel/typed-bus.ts";
import { holdPresence } from "../../platform/registry/presence.ts";
import type { Registry } from "../../platform/registry/registry.port.ts";
import type { ChatMetrics } from "./chat.metrics.ts";
import type { ChatRepository, MessageRow } from "./chat.repository.ts";
import type { ChatService } from "./chat.service.ts";
import { chatKeys } from "./chat.keys.ts";
import { sourcesOf } from "./chat-view.ts";

/** `<epoch>:<seq>`, the id of every event: where it sits in the durable log. */
export function eventId(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

/** Parses an event id; null when malformed. */
export function parseEventId(id: string | undefined): { epoch: string; seq: number } | null {
  if (!id) return null;
  const at = id.lastIndexOf(":");
  const seq = Number(id.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(seq) || seq < 0) return null;
  return { epoch: id.slice(0, at), seq };
}

/**
 * A conversation's events from a position on: first the `snapshot` (when the log cannot replay
 * what the reader missed), then every log entry as it comes, until `close()`. The log hands every
 * reader of a conversation the same entry objects (a relay may cache their encoding by identity).
 */
export interface ConversationEventStream extends AsyncIterable<TypedLogEntry<ChatEvent>> {
  readonly snapshot: { readonly id: string; readonly event: ChatEvent } | null;
  /** Stops reading and leaves the conversation's presence; ends the iteration. Idempotent. */
  close(): Promise<void>;
}

/** What reading a conversation's events needs. */
export interface ConversationEventsDeps {
  chat: Pick<ChatService, "visible">;
  bus: TypedBus;
  chats: ChatRepository;
  registry: Registry;
  metrics: ChatMetrics;
  podId: string;
  /** Open streams one user may hold at once, across pods. */
  maxStreamsPerUser: number;
}

/**
 * The chat's event streams as a use case, whatever carries them (SSE today; a bot or an MCP
 * client the same way): authorized, limited per user, resumable from an event id, and counted
 * as presence ("who is watching") while open.
 */
export class ConversationEvents {
  readonly #d: ConversationEventsDeps;

  constructor(deps: ConversationEventsDeps) {
    this.#d = deps;
  }

  /**
   * Opens the events of conversation `conversationId` for the caller of `ctx`, starting right
   * after `lastEventId` when the log can replay from there (else at the start of the answer in
   * flight, with a snapshot when the reader would otherwise miss text).
   * @throws AppError `conversation.not_found` (not visible), `rate_limit.exceeded` (too many open).
   */
  async open(
    conversationId: string,
    ctx: RequestContext,
    from: { lastEventId?: string | undefined } = {},
  ): Promise<ConversationEventStream> {
    const d = this.#d;
    await d.chat.visible(conversationId, ctx, "conversations:read");
    const userId = ctx.principal?.userId ?? "anonymous";
    // A channel's visitors share their publisher's account: each is limited on their own.
    const channel = ctx.principal?.channel;
    const userKind = chatKeys.userStreams(
      channel ? `${channel.kind}:${channel.id}:${channel.subject}` : userId,
    );
    const conversationKind = chatKeys.conversationStreams(conversationId);
    const start = await resumePoint(d.bus, d.chats, conversationId, from.lastEventId);
    // Presence ("who is watching") and the per-user limit, across pods.
    const presence = await holdPresence(d.registry, {
      kinds: [userKind, conversationKind],
      info: { pod: d.podId, conversationId, userId },
      limit: { kind: userKind, max: d.maxStreamsPerUser },
    });
    if ("refused" in presence) {
      d.metrics.rejectedStreams.inc();
      throw new AppError(
        "rate_limit.exceeded",
        `At most ${d.maxStreamsPerUser} event streams may be open per user; close a tab`,
        {
          headers: { "retry-after": "5" },
          details: { open: presence.refused, limit: d.maxStreamsPerUser, scope: "streams" },
        },
      );
    }

    // `events.on` queues what arrives while the reader writes; "end" finishes the iteration.
    const arrivals = new EventEmitter();
    const entries = on(arrivals, "entry", { close: ["end"] }) as AsyncIterator<[TypedLogEntry<ChatEvent>]>;
    let subscription: { close(): Promise<void> } | null = null;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      arrivals.emit("end");
      await subscription?.close();
      await presence.release();
    };
    try {
      subscription = await d.bus.follow(
        chatTopics.answerLog(conversationId),
        { afterSeq: start.afterSeq },
        (entry) => arrivals.emit("entry", entry),
      );
    } catch (error) {
      await close();
      throw error;
    }
    d.metrics.replays.inc({ kind: start.snapshot ? "snapshot" : start.resumed ? "resume" : "fresh" });
    return {
      snapshot: start.snapshot ? { id: eventId(start.epoch, start.afterSeq), event: start.snapshot } : null,
      close,
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<TypedLogEntry<ChatEvent>>> => {
          const next = await entries.next();
          // Once closed, what was still queued is dropped: nobody reads it any more.
          return next.done || closed
            ? { done: true, value: undefined }
            : { done: false, value: next.value[0] };
        },
        return: async (): Promise<IteratorResult<TypedLogEntry<ChatEvent>>> => {
          await close();
          return { done: true, value: undefined };
        },
      }),
    };
  }
}

/**
 * Decides where a (re)connecting reader starts: right after its Last-Event-ID when the log can
 * replay from there; otherwise at the start of the in-flight answer; and with a `snapshot` from
 * the database when the log cannot tell the reader what it missed. A reader without Last-Event-ID
 * is told nothing of an answer that ended before it connected, so it reads the conversation after
 * its stream has opened (as the web app does), not only before.
 */
export async function resumePoint(
  bus: TypedBus,
  chats: ChatRepository,
  conversationId: string,
  lastEventId: string | undefined,
): Promise<{ afterSeq: number; epoch: string; snapshot: ChatEvent | null; resumed: boolean }> {
  const head = await bus.head();
  const given = parseEventId(lastEventId);
  if (given && given.epoch === head.epoch && given.seq <= head.seq) {
    return { afterSeq: given.seq, epoch: head.epoch, snapshot: null, resumed: true };
  }
  const asked = lastEventId !== undefined && lastEventId !== "";
  const inflight = await chats.streamingMessage(conversationId);
  if (inflight) {
    const entries = await bus.read(chatTopics.answerLog(conversationId), { afterSeq: 0 });
    const first = entries.find((e) => e.data.messageId === inflight.id);
    if (first?.data.type === "message.started") {
      return { afterSeq: first.seq - 1, epoch: head.epoch, snapshot: null, resumed: false };
    }
    if (first)
      return { afterSeq: first.seq - 1, epoch: head.epoch, snapshot: snapshotOf(inflight), resumed: false };
    return {
      afterSeq: head.seq,
      epoch: head.epoch,
      snapshot: asked ? snapshotOf(inflight) : null,
      resumed: false,
    };
  }
  const last = asked ? await chats.lastAssistantMessage(conversationId) : undefined;
  return { afterSeq: head.seq, epoch: head.epoch, snapshot: last ? snapshotOf(last) : null, resumed: false };
}

function snapshotOf(message: MessageRow): ChatEvent {
  const sources = sourcesOf(message);
  return {
    type: "snapshot",
    messageId: message.id,
    text: message.content,
    status: message.status as "streaming",
    ...(sources.length ? { sources } : {}),
  };
}
