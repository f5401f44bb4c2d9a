import { chatTopics, type ChatEvent } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { randomUUID } from "node:crypto";
import { AppError } from "../../kernel/app-error.ts";
import type { TypedBus, TypedLogEntry } from "../../kernel/typed-bus.ts";
import type { Registry } from "../../platform/registry/registry.port.ts";
import type { ChatMetrics } from "./chat.metrics.ts";
import type { ChatRepository, MessageRow } from "./chat.repository.ts";
import { chatKeys } from "./chat.keys.ts";

const HEARTBEAT_MS = 15_000;
const REGISTRY_TTL_MS = 45_000;

/** What serving an event stream needs. */
export interface EventDeps {
  bus: TypedBus;
  chats: ChatRepository;
  streams: EventStreams;
  registry: Registry;
  metrics: ChatMetrics;
  podId: string;
  maxStreamsPerUser: number;
}

/** Open SSE responses, so that a draining process can hand them a retry hint. */
export class EventStreams {
  readonly #open = new Set<FastifyReply>();
  add(reply: FastifyReply): void {
    this.#open.add(reply);
  }
  delete(reply: FastifyReply): void {
    this.#open.delete(reply);
  }
  get size(): number {
    return this.#open.size;
  }
  /** Asks every client to reconnect (to another pod) soon, and closes the streams. */
  drain(): void {
    for (const reply of this.#open) {
      reply.raw.end("retry: 250\n: draining, reconnect elsewhere\n\n");
    }
    this.#open.clear();
  }
}

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
 * Decides where a (re)connecting client starts: right after its Last-Event-ID when the log can
 * replay from there; otherwise at the start of the in-flight answer; and with a `snapshot` from
 * the database when the log cannot tell the client what it missed.
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
  return {
    type: "snapshot",
    messageId: message.id,
    text: message.content,
    status: message.status as "streaming",
  };
}

/**
 * The SSE frame of a log entry. The log hands every follower of a key the same entry object, so
 * a conversation's event is serialised once however many connections relay it (the relay's hot
 * path: 40 viewers of one answer used to cost 40 `JSON.stringify` per delta).
 */
const frames = new WeakMap<TypedLogEntry<ChatEvent>, string>();
function frameOf(entry: TypedLogEntry<ChatEvent>): string {
  let frame = frames.get(entry);
  if (frame === undefined) {
    const event = entry.data;
    frame = `id: ${eventId(entry.epoch, entry.seq)}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    frames.set(entry, frame);
  }
  return frame;
}
/**
 * Serves the conversation's events as SSE until the client leaves or the process drains. SSE
 * pods only relay: they never persist.
 */
export async function serveEvents(
  deps: EventDeps,
  conversationId: string,
  lastEventId: string | undefined,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const userId = request.principal?.userId ?? "anonymous";
  const connectionId = randomUUID();
  const userKind = chatKeys.userStreams(userId);
  const conversationKind = chatKeys.conversationStreams(conversationId);
  const open = await deps.registry.list(userKind).catch(() => []);
  if (open.length >= deps.maxStreamsPerUser) {
    deps.metrics.rejectedStreams.inc();
    throw new AppError(
      "rate_limit.exceeded",
      `At most ${deps.maxStreamsPerUser} event streams may be open per user; close a tab`,
      {
        headers: { "retry-after": "5" },
        details: { open: open.length, limit: deps.maxStreamsPerUser, scope: "streams" },
      },
    );
  }
  const start = await resumePoint(deps.bus, deps.chats, conversationId, lastEventId);
  deps.metrics.replays.inc({ kind: start.snapshot ? "snapshot" : start.resumed ? "resume" : "fresh" });
  // Presence and the per-user limit: the registry's entries expire unless the heartbeat renews them.
  const presence = async () => {
    const info = { pod: deps.podId, conversationId, userId };
    await Promise.all([
      deps.registry.register(userKind, connectionId, info, REGISTRY_TTL_MS),
      deps.registry.register(conversationKind, connectionId, info, REGISTRY_TTL_MS),
    ]).catch(() => undefined);
  };
  await presence();
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-content-type-options": "nosniff",
    "x-request-id": request.id,
  });
  raw.write("retry: 1000\n\n");
  if (start.snapshot) {
    raw.write(
      `id: ${eventId(start.epoch, start.afterSeq)}\nevent: snapshot\ndata: ${JSON.stringify(start.snapshot)}\n\n`,
    );
  }
  deps.streams.add(reply);
  deps.metrics.activeStreams.inc();
  const subscription = await deps.bus.follow(
    chatTopics.answerLog(conversationId),
    { afterSeq: start.afterSeq },
    (entry) => {
      raw.write(frameOf(entry));
      deps.metrics.eventsRelayed.inc();
      deps.metrics.logLag.observe(Math.max(0, Date.now() - entry.time) / 1000);
    },
  );
  const heartbeat = setInterval(() => {
    raw.write(": heartbeat\n\n");
    void presence();
  }, HEARTBEAT_MS);
  raw.once("close", () => {
    clearInterval(heartbeat);
    deps.streams.delete(reply);
    deps.metrics.activeStreams.dec();
    void subscription.close();
    void Promise.all([
      deps.registry.deregister(userKind, connectionId),
      deps.registry.deregister(conversationKind, connectionId),
    ]).catch(() => undefined);
  });
  return reply;
}
