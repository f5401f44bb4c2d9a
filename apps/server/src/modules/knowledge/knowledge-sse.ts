import type { DocumentProgress } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Gauge, type Registry } from "prom-client";
import type { DocumentEventStream } from "./knowledge-events.ts";

const HEARTBEAT_MS = 15_000;

/**
 * Open event streams of knowledge bases, counted on `/metrics` (`parley_knowledge_event_streams`),
 * so that a draining process can hand them a retry hint.
 */
export class ProgressStreams {
  readonly #open = new Set<FastifyReply>();
  readonly #gauge: Gauge;
  constructor(registry: Registry) {
    this.#gauge = new Gauge({
      name: "parley_knowledge_event_streams",
      help: "Open knowledge-base event streams (document progress) on this process",
      registers: [registry],
      collect: () => {
        this.#gauge.set(this.#open.size);
      },
    });
  }
  add(reply: FastifyReply): void {
    this.#open.add(reply);
  }
  delete(reply: FastifyReply): void {
    this.#open.delete(reply);
  }
  /** Asks every client to reconnect (to another pod) soon, and closes the streams. */
  drain(): void {
    for (const reply of this.#open) reply.raw.end("retry: 250\n: draining, reconnect elsewhere\n\n");
    this.#open.clear();
  }
}

const frameOf = (event: DocumentProgress) => `event: progress\ndata: ${JSON.stringify(event)}\n\n`;

/**
 * Writes a knowledge base's document events out as Server-Sent Events (`progress`, data a
 * `DocumentProgress`): the snapshot, then each change, with a heartbeat comment every 15 s, until
 * the client leaves or the process drains; then stops listening. Helmet is off on this route: the
 * few headers that mean something on an event stream are sent here.
 */
export function relayProgress(
  streams: ProgressStreams,
  stream: DocumentEventStream,
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
  raw.write(`retry: 1000\n\n${stream.snapshot.map(frameOf).join("")}`);
  streams.add(reply);
  const heartbeat = setInterval(() => raw.write(": heartbeat\n\n"), HEARTBEAT_MS);
  raw.once("close", () => {
    clearInterval(heartbeat);
    streams.delete(reply);
    stream.close();
  });
  void (async () => {
    for await (const event of stream) raw.write(frameOf(event));
  })().catch((err: unknown) => {
    request.log.warn({ err }, "knowledge event relay failed");
    raw.destroy();
  });
  return reply;
}
