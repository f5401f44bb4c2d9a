import type { ServerResponse } from "node:http";
import type { Fault } from "./behaviour.ts";
import { sendError, type Protocol } from "./http.ts";

/**
 * Faults injected with `fail(fault, { times })`, played in order on the next generation requests
 * (chat completions, messages, embeddings; never on `/v1/models`).
 */
export class FaultQueue {
  readonly #entries: { fault: Fault; remaining: number }[] = [];

  /** Queues `fault` for the next `times` requests, after any fault queued before it. */
  add(fault: Fault, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError("times must be an integer >= 1");
    this.#entries.push({ fault, remaining: times });
  }

  /** The fault for the current request, if one is queued. */
  take(): Fault | undefined {
    const entry = this.#entries[0];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.#entries.shift();
    return entry.fault;
  }

  /** Forgets every queued fault. */
  clear(): void {
    this.#entries.length = 0;
  }
}

/** Resolves once the client has gone (or the server closed the connection). */
export function closed(res: ServerResponse): Promise<void> {
  if (res.closed || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once("close", () => {
      resolve();
    });
  });
}

/**
 * Plays the faults that happen before any byte of the answer: `429` and `500` answer an error in
 * the provider's shape, `hang` sends nothing until the client gives up. Returns true when the
 * request is dealt with.
 */
export async function playEarlyFault(
  res: ServerResponse,
  protocol: Protocol,
  fault: Fault | undefined,
): Promise<boolean> {
  switch (fault) {
    case "429":
      sendError(res, protocol, "rate_limit", "Rate limit reached (injected by the fake upstream).");
      return true;
    case "500":
      sendError(
        res,
        protocol,
        "server_error",
        "The server had an error while processing your request (injected).",
      );
      return true;
    case "hang":
      await closed(res);
      return true;
    case undefined:
    case "hang-after-first":
    case "cut":
    case "malformed":
    case "no-finish":
      return false;
  }
}
