import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { listAnthropicModels, messages } from "./anthropic-routes.ts";
import {
  DEFAULT_BEHAVIOUR,
  validateBehaviour,
  type FakeBehaviour,
  type FakeUpstreamOptions,
  type Fault,
} from "./behaviour.ts";
import { FaultQueue } from "./faults.ts";
import { readBody, sendError, sendJson } from "./http.ts";
import { chatCompletions, embeddings, getModel, listModels } from "./openai-routes.ts";
import type { RouteContext } from "./route-context.ts";
import { isRecord } from "./text.ts";

export {
  DEFAULT_BEHAVIOUR,
  FAULTS,
  type FakeBehaviour,
  type FakeUpstreamOptions,
  type Fault,
} from "./behaviour.ts";
export { DEFAULT_TEXT } from "./text.ts";

/** One request as the fake upstream received it. */
export interface FakeRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  readonly body: unknown;
}

/** A running fake upstream; see README.md. */
export interface FakeUpstream {
  /** Base URL such as `http://127.0.0.1:1234`; the OpenAI and Anthropic base URL is `${url}/v1`. */
  readonly url: string;
  /** Requests received since the start or the last `resetLog()`, oldest first (the last 10,000). */
  readonly requests: readonly FakeRequest[];
  /** Requests still being answered (streaming, waiting or hanging). */
  readonly inFlight: number;
  /** Open TCP connections, to check that nothing leaks after clients give up. */
  readonly connections: number;
  /** Changes the behaviour for the requests that arrive from now on. */
  configure(partial: Partial<FakeBehaviour>): void;
  /** Plays `fault` on the next `times` (default 1) generation requests, whatever they ask for. */
  fail(fault: Fault, options?: { readonly times?: number }): void;
  /** Empties `requests`. */
  resetLog(): void;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

const LOG_LIMIT = 10_000;
/** Fields that may be set back to undefined with `configure`. */
const UNSETTABLE = new Set<string>(["textFor", "apiKey", "fault"]);

function merge(base: FakeBehaviour, partial: Partial<FakeBehaviour>): FakeBehaviour {
  const merged: Record<string, unknown> = { ...base };
  // Object.entries sees no undefined values in a Partial, but callers may pass them explicitly.
  for (const [key, value] of Object.entries(partial) as [string, unknown][]) {
    if (value !== undefined || UNSETTABLE.has(key)) merged[key] = value;
  }
  const behaviour = merged as unknown as FakeBehaviour;
  validateBehaviour(behaviour);
  return behaviour;
}

function parseBody(raw: string): { body: unknown; json: boolean } {
  if (raw === "") return { body: undefined, json: true };
  try {
    return { body: JSON.parse(raw) as unknown, json: true };
  } catch {
    return { body: raw, json: false };
  }
}

class FakeUpstreamServer implements FakeUpstream {
  readonly #server = createServer((req, res) => {
    this.#handle(req, res).catch((error: unknown) => {
      this.#fail(res, error);
    });
  });
  readonly #sockets = new Set<Socket>();
  readonly #faults = new FaultQueue();
  readonly #log: FakeRequest[] = [];
  #behaviour: FakeBehaviour;
  #inFlight = 0;
  url = "";

  constructor(behaviour: FakeBehaviour) {
    this.#behaviour = behaviour;
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
    });
  }

  get requests(): readonly FakeRequest[] {
    return this.#log;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("fake upstream has no TCP address");
    this.url = `http://127.0.0.1:${address.port}`;
  }

  configure(partial: Partial<FakeBehaviour>): void {
    this.#behaviour = merge(this.#behaviour, partial);
  }

  fail(fault: Fault, options: { readonly times?: number } = {}): void {
    this.#faults.add(fault, options.times ?? 1);
  }

  resetLog(): void {
    this.#log.length = 0;
  }

  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    this.#server.closeAllConnections();
    await done;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    this.#inFlight += 1;
    res.once("close", () => {
      this.#inFlight -= 1;
      controller.abort();
    });
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    const raw = await readBody(req);
    const { body, json } = parseBody(raw);
    if (this.#log.length >= LOG_LIMIT) this.#log.shift();
    this.#log.push({ method: req.method ?? "GET", path, headers: req.headers, body });
    const anthropic = path === "/v1/messages" || typeof req.headers["anthropic-version"] === "string";
    const protocol = anthropic ? "anthropic" : "openai";
    if (!json || (body !== undefined && !isRecord(body))) {
      sendError(res, protocol, "invalid_request", "The request body is not a JSON object.");
      return;
    }
    const ctx: RouteContext = {
      req,
      res,
      body: isRecord(body) ? body : {},
      raw,
      behaviour: this.#behaviour,
      signal: controller.signal,
      takeFault: () => this.#faults.take(),
    };
    const route = `${req.method ?? "GET"} ${path}`;
    if (route === "GET /health") sendJson(res, 200, { status: "ok" });
    else if (route === "GET /v1/models") (anthropic ? listAnthropicModels : listModels)(ctx);
    else if (route.startsWith("GET /v1/models/")) getModel(ctx, decodeURIComponent(path.slice(11)));
    else if (route === "POST /v1/chat/completions") await chatCompletions(ctx);
    else if (route === "POST /v1/embeddings") await embeddings(ctx);
    else if (route === "POST /v1/messages") await messages(ctx);
    else sendError(res, protocol, "unknown_url", `Unknown request URL: ${route}.`);
  }

  /** A bug in the fake itself: answer 500 if still possible, and say so loudly either way. */
  #fail(res: ServerResponse, error: unknown): void {
    if (res.destroyed) return; // the client went away mid-request; nothing to report
    console.error("fake upstream failed to answer", error);
    if (res.headersSent) res.destroy();
    else sendError(res, "openai", "server_error", `fake upstream failed: ${String(error)}`);
  }
}

/**
 * Starts a deterministic OpenAI- and Anthropic-compatible server on 127.0.0.1 for tests,
 * benchmarks and offline demos.
 * @example
 * const upstream = await startFakeUpstream({ chunks: 5 });
 * const client = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: "k" });
 * upstream.fail("429");
 * await upstream.close();
 */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const { port = 0, ...behaviour } = options;
  const server = new FakeUpstreamServer(merge(DEFAULT_BEHAVIOUR, behaviour));
  await server.listen(port);
  return server;
}
