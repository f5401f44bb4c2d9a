import type { FastifyReply, FastifyRequest } from "fastify";
import type { ConversationEventStream } from "../chat/index.ts";

const HEARTBEAT_MS = 15_000;

/** Open visitor event streams, so that a draining process can ask their clients to reconnect. */
export class VisitorStreams {
  readonly #open = new Set<FastifyReply>();
  add(reply: FastifyReply): void {
    this.#open.add(reply);
  }
  delete(reply: FastifyReply): void {
    this.#open.delete(reply);
  }
  /** Tells every client to reconnect (to another pod) soon, and closes the streams. */
  drain(): void {
    for (const reply of this.#open) reply.raw.end("retry: 250\n: draining, reconnect elsewhere\n\n");
    this.#open.clear();
  }
}

/**
 * Writes a visitor's conversation events as Server-Sent Events, as chat's own relay does (ids
 * `<epoch>:<seq>` for Last-Event-ID resume, a snapshot first when the log cannot replay), with the
 * widget's CORS headers, which a hijacked response must carry itself.
 */
export function relayVisitorEvents(
  streams: VisitorStreams,
  stream: ConversationEventStream,
  request: FastifyRequest,
  reply: FastifyReply,
  cors: Record<string, string>,
): FastifyReply {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...cors,
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
  streams.add(reply);
  const heartbeat = setInterval(() => raw.write(": heartbeat\n\n"), HEARTBEAT_MS);
  raw.once("close", () => {
    clearInterval(heartbeat);
    streams.delete(reply);
    void stream.close();
  });
  void (async () => {
    for await (const entry of stream) {
      const event = entry.data;
      raw.write(`id: ${entry.epoch}:${entry.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
  })().catch((err: unknown) => {
    request.log.warn({ err }, "visitor event relay failed");
    raw.destroy();
  });
  return reply;
}
