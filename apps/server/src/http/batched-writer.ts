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
 * one system call: the first write of a turn corks the response and `setImmediate` uncorks it. An
 * upstream that delivers many chunks at once (or a log that delivers a batch) then costs one
 * `writev` instead of one per chunk; a lone chunk waits at most until the end of the turn.
 * End through the writer: a response ended while corked drops what was batched.
 * @example
 * const out = batchedWriter(reply.raw); out.write("data: 1\n\n"); out.write("data: 2\n\n"); out.end();
 */
export function batchedWriter(res: ServerResponse): BatchedWriter {
  let corked = false;
  const flush = () => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  return {
    write: (chunk) => {
      if (res.writableEnded) return;
      if (!corked) {
        corked = true;
        res.cork();
        setImmediate(flush);
      }
      res.write(chunk);
    },
    writeNow: (chunk) => {
      if (res.writableEnded) return;
      res.write(chunk);
      flush();
    },
    end: (chunk) => {
      if (res.writableEnded) return;
      if (chunk !== undefined) res.write(chunk);
      flush();
      res.end();
    },
  };
}
