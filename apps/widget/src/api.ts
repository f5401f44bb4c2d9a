import type {
  ChatEvent,
  VisitorConversationWithMessages,
  VisitorExchange,
  VisitorSession,
  VisitorStreamError,
} from "@parley/contracts";
import { apiBase, load, save, type Boot, type PendingMessage } from "./shared.ts";

/** An error answer of the API, with its stable code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Refresh a token this long before it expires. */
const REFRESH_MS = 24 * 60 * 60 * 1000;

/**
 * The visitor API client: keeps the visitor's token (asking for a fresh one before it expires,
 * and a new visitor when it is refused), sends, reads, and follows a conversation's events.
 */
export class VisitorApi {
  readonly #boot: Boot;
  readonly #base: string;

  constructor(boot: Boot) {
    this.#boot = boot;
    this.#base = apiBase(boot);
  }

  /**
   * Sends `message` under its idempotency key: to its conversation, or as the first message of a
   * new one. Sent again with the same key, the server answers with the same exchange.
   */
  deliver(message: PendingMessage): Promise<VisitorExchange> {
    const path = message.conversationId
      ? `/conversations/${encodeURIComponent(message.conversationId)}/messages`
      : "/conversations";
    return this.#call("POST", path, { content: message.content }, false, { "idempotency-key": message.key });
  }

  get(conversationId: string): Promise<VisitorConversationWithMessages> {
    return this.#call("GET", `/conversations/${encodeURIComponent(conversationId)}`);
  }

  cancel(messageId: string): Promise<unknown> {
    return this.#call("POST", `/messages/${encodeURIComponent(messageId)}/cancel`);
  }

  /**
   * Reads the conversation's events from `lastEventId` (or from the answer in flight), calling
   * `onEvent` with each and its id, until `signal` aborts or the server ends the stream; resolves
   * once the stream is open (`opened`) and again when it ends (`done`), which rejects with an
   * {@link ApiError} when the server ended it with a `stream.error` event.
   */
  async follow(
    conversationId: string,
    lastEventId: string | undefined,
    onEvent: (event: ChatEvent, id: string | undefined) => void,
    signal: AbortSignal,
  ): Promise<{ done: Promise<void> }> {
    const headers: Record<string, string> = { "x-parley-visitor": await this.#token() };
    if (lastEventId) headers["last-event-id"] = lastEventId;
    const res = await fetch(`${this.#base}/conversations/${encodeURIComponent(conversationId)}/events`, {
      headers,
      signal,
      credentials: "omit",
    });
    if (!res.ok || !res.body) throw await errorOf(res);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const done = (async () => {
      let buffer = "";
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) return;
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let data = "";
          for (const line of frame.split("\n")) {
            if (line.startsWith("id: ")) id = line.slice(4);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (!data) continue;
          const event = JSON.parse(data) as ChatEvent | VisitorStreamError;
          // The server ended the stream: the visitor may no longer use the widget (it was
          // deleted or switched off, its key or secret rotated).
          if (event.type === "stream.error")
            throw new ApiError(event.status, event.error.code, event.error.message);
          onEvent(event, id);
        }
      }
    })();
    return { done };
  }

  /** A current visitor token (a new session when there is none, or it is about to expire). */
  async #token(renew = false): Promise<string> {
    const key = this.#boot.key;
    const stored = load(key);
    const sameUser = stored.userId === this.#boot.userId;
    if (!renew && sameUser && stored.token && Date.parse(stored.expiresAt ?? "") - Date.now() > REFRESH_MS)
      return stored.token;
    const res = await fetch(`${this.#base}/sessions`, {
      method: "POST",
      credentials: "omit",
      headers: {
        "content-type": "application/json",
        ...(stored.token && sameUser && !renew ? { "x-parley-visitor": stored.token } : {}),
      },
      body: JSON.stringify(
        this.#boot.userId ? { userId: this.#boot.userId, signature: this.#boot.signature } : {},
      ),
    });
    if (!res.ok) throw await errorOf(res);
    const session = (await res.json()) as VisitorSession;
    // Another visitor: the conversation remembered here was someone else's.
    const conversation = sameUser && !renew ? stored.conversationId : undefined;
    save(key, {
      token: session.token,
      expiresAt: session.expiresAt,
      userId: this.#boot.userId,
      conversationId: conversation,
    });
    return session.token;
  }

  async #call<T>(
    method: string,
    path: string,
    body?: unknown,
    retried = false,
    extra: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(`${this.#base}${path}`, {
      method,
      credentials: "omit",
      headers: {
        "x-parley-visitor": await this.#token(retried),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...extra,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.ok) return (await res.json()) as T;
    const error = await errorOf(res);
    // A rotated key or an expired token: once more as a new visitor.
    if (error.code === "widget.visitor_token_invalid" && !retried)
      return this.#call(method, path, body, true, extra);
    throw error;
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ApiError(
    res.status,
    body?.error?.code ?? "request.failed",
    body?.error?.message ?? res.statusText,
  );
}
