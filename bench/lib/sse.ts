import http from "node:http";

/** One parsed Server-Sent Event. */
export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** An open SSE stream read with node:http (lighter than fetch, for many connections). */
export interface SseStream {
  /** Resolves once the response headers arrived (status 200), rejects otherwise. */
  readonly opened: Promise<void>;
  /** Resolves when the server (or `close()`) ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

/**
 * Opens `url` as an event stream and calls `onEvent` for every event with data.
 * @example
 * const s = openEventStream(url, { authorization }, (e) => console.log(e.event)); await s.opened;
 */
export function openEventStream(
  url: string,
  headers: Record<string, string>,
  onEvent: (event: SseMessage) => void,
  agent?: http.Agent,
): SseStream {
  const target = new URL(url);
  let resolveOpened: () => void = () => undefined;
  let rejectOpened: (error: Error) => void = () => undefined;
  let resolveEnded: () => void = () => undefined;
  const opened = new Promise<void>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  const req = http.request({
    host: target.hostname,
    port: target.port,
    path: `${target.pathname}${target.search}`,
    headers: { accept: "text/event-stream", ...headers },
    ...(agent ? { agent } : {}),
  });
  req.on("response", (res) => {
    if (res.statusCode !== 200) {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        rejectOpened(new Error(`SSE ${url} answered ${res.statusCode}: ${body.slice(0, 300)}`));
        resolveEnded();
      });
      return;
    }
    resolveOpened();
    res.setEncoding("utf8");
    let buffer = "";
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let split: number;
      while ((split = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        let id: string | null = null;
        let event = "message";
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) id = line.slice(4);
          else if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) onEvent({ id, event, data });
      }
    });
    res.on("end", resolveEnded);
    res.on("close", resolveEnded);
    res.on("error", resolveEnded);
  });
  req.on("error", (error) => {
    rejectOpened(error);
    resolveEnded();
  });
  req.end();
  return {
    opened,
    ended,
    close: () => {
      req.destroy();
    },
  };
}
