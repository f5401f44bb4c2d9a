import type { ChatEvent } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { TypedLogEntry } from "../../kernel/typed-bus.ts";
import type { ChatMetrics } from "./chat.metrics.ts";
import { eventId, type ConversationEventStream } from "./conversation-events.ts";

const HEARTBEAT_MS = 15_000;

/** What relaying a stream over SSE needs. */
export interface RelayDeps {
  streams: EventStreams;
  metrics: ChatMetrics;
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

/**
 * The SSE frame of a log entry. The log hands every reader of a conversation the same entry
 * object, so an event is serialised once however many connections relay it (the relay's hot
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
 * Writes an opened conversation event stream out as Server-Sent Events until the client leaves
 * or the process drains; then closes the stream. SSE pods only relay: they never persist.
 */
export function relayEvents(
  deps: RelayDeps,
  stream: ConversationEventStream,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
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
  if (stream.snapshot) {
    const { id, event } = stream.snapshot;
    raw.write(`id: ${id}\nevent: snapshot\ndata: ${JSON.stringify(event)}\n\n`);
  }
  deps.streams.add(reply);
  deps.metrics.activeStreams.inc();
  const heartbeat = setInterval(() => raw.write(": heartbeat\n\n"), HEARTBEAT_MS);
  raw.once("close", () => {
    clearInterval(heartbeat);
    deps.streams.delete(reply);
    deps.metrics.activeStreams.dec();
    void stream.close();
  });
  void (async () => {
    for await (const entry of stream) {
      raw.write(frameOf(entry));
      deps.metrics.eventsRelayed.inc();
      deps.metrics.logLag.observe(Math.max(0, Date.now() - entry.time) / 1000);
    }
  })().catch((err: unknown) => {
    request.log.warn({ err }, "event relay failed");
    raw.destroy();
  });
  return reply;
}
