import type { ChatEvent, VisitorStreamError } from "@parley/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AppError } from "../../kernel/app-error.ts";
import type { AnyErrorTable } from "../../kernel/define-errors.ts";
import type { ConversationEventStream } from "../chat/index.ts";
import { strangerError, strangerMessage } from "./visitor-errors.ts";
import { widgetsErrors } from "./widgets.errors.ts";

const HEARTBEAT_MS = 15_000;

/** One open visitor event stream. */
interface OpenStream {
  reply: FastifyReply;
  /** Runs the checks a new request of this visitor would pass; throws what it would be refused with. */
  recheck(): Promise<unknown>;
  /** Ends the stream with a `stream.error` event. */
  end(error: AppError): void;
}

/**
 * Open visitor event streams by widget, so that a change of the widget (deleted, switched off, a
 * key or secret rotated) ends those whose visitor may no longer use it, and a draining process can
 * ask every client to reconnect elsewhere.
 */
export class VisitorStreams {
  readonly #open = new Map<string, Set<OpenStream>>();

  add(widgetId: string, stream: OpenStream): void {
    let streams = this.#open.get(widgetId);
    if (!streams) this.#open.set(widgetId, (streams = new Set()));
    streams.add(stream);
  }

  delete(widgetId: string, stream: OpenStream): void {
    const streams = this.#open.get(widgetId);
    streams?.delete(stream);
    if (streams?.size === 0) this.#open.delete(widgetId);
  }

  /**
   * Checks every open stream of `widgetId` again, as a new request of its visitor would be, and
   * ends those refused with the refusal's code. Other failures (the database away) leave the
   * stream open: the heartbeat checks it again.
   */
  async recheck(widgetId: string): Promise<void> {
    const streams = [...(this.#open.get(widgetId) ?? [])];
    await Promise.all(streams.map((stream) => checkAgain(stream)));
  }

  /** Tells every client to reconnect (to another pod) soon, and closes the streams. */
  drain(): void {
    for (const streams of this.#open.values())
      for (const { reply } of streams) reply.raw.end("retry: 250\n: draining, reconnect elsewhere\n\n");
    this.#open.clear();
  }
}

async function checkAgain(stream: OpenStream): Promise<void> {
  try {
    await stream.recheck();
  } catch (error) {
    if (error instanceof AppError) stream.end(error);
    else stream.reply.log.warn({ err: error }, "could not check a visitor event stream again");
  }
}

/** What a visitor's stream relays: chat's events, less what only the team should read. */
export function visitorEvent(event: ChatEvent): ChatEvent {
  switch (event.type) {
    case "message.failed":
      return { ...event, error: strangerError(event.error) };
    case "message.waiting":
      // The rule's name and the approval's id are the team's.
      return { ...event, approvalId: "", ruleName: "" };
    default:
      return event;
  }
}

/** The `stream.error` event that ends a visitor's stream refused by `error`. */
export function streamError(error: AppError): VisitorStreamError {
  const status = (widgetsErrors as AnyErrorTable)[error.code]?.status ?? 500;
  return { type: "stream.error", status, error: { code: error.code, message: strangerMessage(error.code) } };
}

/** What the relay needs besides the stream. */
export interface RelayOptions {
  streams: VisitorStreams;
  widgetId: string;
  /** The checks of a new request of this visitor (see {@link OpenStream.recheck}). */
  recheck(): Promise<unknown>;
  cors: Record<string, string>;
}

/**
 * Writes a visitor's conversation events as Server-Sent Events, as chat's own relay does (ids
 * `<epoch>:<seq>` for Last-Event-ID resume, a snapshot first when the log cannot replay), with the
 * widget's CORS headers, which a hijacked response must carry itself. Failed answers carry the
 * visitor's words (`visitor-errors.ts`). The stream ends with a `stream.error` event once its
 * visitor may no longer use the widget: checked again on every change of the widget
 * ({@link VisitorStreams.recheck}) and with every heartbeat.
 */
export function relayVisitorEvents(
  stream: ConversationEventStream,
  request: FastifyRequest,
  reply: FastifyReply,
  options: RelayOptions,
): FastifyReply {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...options.cors,
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
    raw.write(`id: ${id}\nevent: snapshot\ndata: ${JSON.stringify(visitorEvent(event))}\n\n`);
  }
  const open: OpenStream = {
    reply,
    recheck: () => options.recheck(),
    end: (error) => {
      if (raw.writableEnded) return;
      const event = streamError(error);
      request.log.info({ code: error.code }, `visitor event stream ended: ${error.message}`);
      raw.end(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    },
  };
  options.streams.add(options.widgetId, open);
  const heartbeat = setInterval(() => {
    if (raw.writableEnded) return;
    raw.write(": heartbeat\n\n");
    void checkAgain(open);
  }, HEARTBEAT_MS);
  raw.once("close", () => {
    clearInterval(heartbeat);
    options.streams.delete(options.widgetId, open);
    void stream.close();
  });
  void (async () => {
    for await (const entry of stream) {
      // Ended by a change of the widget: nothing more is written.
      if (raw.writableEnded) break;
      const event = visitorEvent(entry.data);
      raw.write(`id: ${entry.epoch}:${entry.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    }
  })().catch((err: unknown) => {
    request.log.warn({ err }, "visitor event relay failed");
    raw.destroy();
  });
  return reply;
}
