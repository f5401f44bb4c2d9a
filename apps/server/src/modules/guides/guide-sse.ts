import type { GuideEvent } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { Gauge, type Registry } from "prom-client";
import { guideEventId, type GuideEventStream } from "./guide-events.ts";

const HEARTBEAT_MS = 15_000;

/** Open guide event streams of this process, counted on `/metrics`; a drain asks them to move. */
export class GuideStreams {
  readonly #open = new Set<FastifyReply>();
  constructor(registry: Registry) {
    const gauge: Gauge = new Gauge({
      name: "parley_guide_event_streams",
      help: "Open guide event streams (task changes and progress) on this process",
      registers: [registry],
      collect: () => {
        gauge.set(this.#open.size);
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

const frame = (id: string, event: GuideEvent) =>
  `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/**
 * Writes guide events out as Server-Sent Events: the snapshot when there is one, then each
 * change with its log position as id (`Last-Event-ID` resumes there), a heartbeat comment every
 * 15 s, until the client leaves or the process drains. Helmet is off on this route: the few
 * headers that mean something on an event stream are sent here.
 */
export function relayGuideEvents(
  streams: GuideStreams,
  stream: GuideEventStream,
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
  raw.write(`retry: 1000\n\n${stream.snapshot ? frame(stream.snapshot.id, stream.snapshot.event) : ""}`);
  streams.add(reply);
  const heartbeat = setInterval(() => raw.write(": heartbeat\n\n"), HEARTBEAT_MS);
  raw.once("close", () => {
    clearInterval(heartbeat);
    streams.delete(reply);
    void stream.close();
  });
  void (async () => {
    for await (const entry of stream) raw.write(frame(guideEventId(entry), entry.data));
  })().catch((err: unknown) => {
    request.log.warn({ err }, "guide event relay failed");
    raw.destroy();
  });
  return reply;
}
