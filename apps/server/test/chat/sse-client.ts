/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  id: string | null;
  event: string;
  data: unknown;
}

/** A live SSE connection read by a test. */
export interface SseConnection {
  readonly events: SseEvent[];
  /** Resolves once `predicate` holds for the events so far (polls as events arrive). */
  until(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent[]>;
  /** The id of the last event received. */
  lastId(): string | null;
  close(): void;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
}

/**
 * Opens an SSE stream with fetch (like a browser's EventSource, but under the test's control:
 * it sends Last-Event-ID only when asked, as a browser does after a reload).
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  if (res.status !== 200 || !res.body)
    throw new Error(`SSE ${url} answered ${res.status}: ${await res.text()}`);
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let split: number;
        while ((split = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let id: string | null = null;
          let event = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("id: ")) id = line.slice(4);
            else if (line.startsWith("event: ")) event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join("\n")) as unknown });
        }
        notify();
      }
    } catch {
      // aborted by close()
    } finally {
      notify();
    }
  })();
  return {
    events,
    ended,
    lastId: () => [...events].reverse().find((e) => e.id !== null)?.id ?? null,
    close: () => {
      controller.abort();
    },
    until: (predicate, timeoutMs = 15_000) =>
      new Promise<SseEvent[]>((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            cleanup();
            resolve(events);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `SSE condition not met within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.event))}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}

/** The text of one answer, joined from its deltas, with the indexes seen. */
export function answerOf(events: SseEvent[], messageId: string): { text: string; indexes: number[] } {
  let deltas: { index: number; text: string }[] = [];
  for (const e of events) {
    const data = e.data as { messageId?: string; index: number; text: string };
    if (data.messageId !== messageId) continue;
    // Generated again from nothing: what came before no longer counts.
    if (e.event === "message.restarted") deltas = [];
    else if (e.event === "message.delta") deltas.push(data);
  }
  return { text: deltas.map((d) => d.text).join(""), indexes: deltas.map((d) => d.index) };
}
