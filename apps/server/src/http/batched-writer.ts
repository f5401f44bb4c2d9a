import type { ServerResponse } from "node:http";

/** Writes of a streaming response, batched per event-loop turn. */
export interface BatchedWriter {
  write(chunk: string): void;
  /** Writes at once, with what is batched (for a first token, where latency counts). */
  writeNow(chunk: string): void;
  /** Flushes what is batched, then ends the response. */
  end(chunk?: string): void;
}

/**
 * Writes to a streaming response, coalescing what is written in one turn of the event loop into
 * one write: chunks are joined into one string and `setImmediate` writes it. An upstream that
 * delivers many chunks at once (or a log that delivers a batch) then costs one HTTP chunk and one
 * system call instead of one per chunk (joining first is cheaper than corking: each corked write
 * is still encoded and framed on its own); a lone chunk waits at most until the end of the turn.
 * End through the writer, so that nothing batched is lost.
 * @example
 * const out = batchedWriter(reply.raw); out.write("data: 1\n\n"); out.write("data: 2\n\n"); out.end();
 */
export function batchedWriter(res: ServerResponse): BatchedWriter {
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === "" || res.writableEnded) return;
    const text = pending;
    pending = "";
    res.write(text);
  };
  return {
    write: (chunk) => {
      if (res.writableEnded) return;
      pending += chunk;
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    writeNow: (chunk) => {
      if (res.writableEnded) return;
      pending += chunk;
      flush();
    },
    end: (chunk) => {
      if (res.writableEnded) return;
      if (chunk !== undefined) pending += chunk;
      const text = pending;
      pending = "";
      res.end(text);
    },
  };
}
