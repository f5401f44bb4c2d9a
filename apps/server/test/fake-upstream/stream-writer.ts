import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { RequestSettings } from "./behaviour.ts";
import { closed } from "./faults.ts";
import { SSE_HEADERS, sendJson } from "./http.ts";

/** A streamed answer, serialised up front so streaming it is only writes and timers. */
export interface StreamPlan {
  /** Frames sent together with the first delta (OpenAI's role chunk; Anthropic's message_start…ping). */
  readonly head: string;
  /** One frame per content (or tool-argument) delta. */
  readonly deltas: readonly string[];
  /** Frames after the last delta: the finish, the usage and the end marker. */
  readonly tail: string;
  /** A frame whose data is not JSON, for the `malformed` fault. */
  readonly malformed: string;
}

/** Builds the list of writes for a plan under a fault; the tail is left out when the stream breaks. */
function framesFor(plan: StreamPlan, fault: RequestSettings["fault"]): string[] {
  const half = Math.floor(plan.deltas.length / 2);
  let deltas: readonly string[] = plan.deltas;
  if (fault === "cut") {
    deltas = plan.deltas.slice(0, half);
  } else if (fault === "hang-after-first") {
    deltas = plan.deltas.slice(0, 1);
  } else if (fault === "malformed") {
    deltas = [...plan.deltas.slice(0, half), plan.malformed, ...plan.deltas.slice(half)];
  }
  const completes = fault !== "cut" && fault !== "hang-after-first";
  const frames = deltas.length === 0 ? [""] : [...deltas];
  frames[0] = plan.head + (frames[0] ?? "");
  if (completes) frames[frames.length - 1] = (frames.at(-1) ?? "") + plan.tail;
  return frames;
}

/** Writes `data` and resolves once it is handed to the socket (or the client has gone). */
function flush(res: ServerResponse, data: string): Promise<void> {
  const written = new Promise<void>((resolve) => {
    res.write(data, () => {
      resolve();
    });
  });
  return Promise.race([written, closed(res)]);
}

/**
 * Streams a plan as `text/event-stream`: waits `firstTokenDelayMs`, sends the headers with the
 * head and first delta, then one delta every `chunkDelayMs` (against a fixed schedule, so timer
 * drift does not add up), and plays the stream faults: `cut` destroys the socket after half the
 * deltas, `hang-after-first` stalls after the first, `malformed` inserts a non-JSON frame halfway.
 * Stops quietly when the client goes away.
 */
export async function writeStream(
  res: ServerResponse,
  plan: StreamPlan,
  settings: RequestSettings,
  signal: AbortSignal,
): Promise<void> {
  const { fault, chunkDelayMs } = settings;
  const frames = framesFor(plan, fault);
  try {
    if (settings.firstTokenDelayMs > 0) await sleep(settings.firstTokenDelayMs, undefined, { signal });
    res.writeHead(200, SSE_HEADERS);
    let last: string;
    if (chunkDelayMs === 0) {
      last = frames.join("");
    } else {
      const start = performance.now();
      for (let i = 0; i < frames.length - 1; i++) {
        res.write(frames[i]);
        const wait = start + (i + 1) * chunkDelayMs - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal });
      }
      last = frames.at(-1) ?? "";
    }
    if (fault === "cut") {
      await flush(res, last);
      res.socket?.destroy();
    } else if (fault === "hang-after-first") {
      res.write(last);
      await closed(res);
    } else {
      res.end(last);
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

/**
 * Sends a non-streamed answer after the time its generation would take (`firstTokenDelayMs` plus
 * `chunkDelayMs` per delta after the first), with the body faults: `cut` destroys the socket
 * halfway through the body, `hang-after-first` stalls there, `malformed` sends a truncated body.
 */
export async function sendAnswer(
  res: ServerResponse,
  body: unknown,
  deltaCount: number,
  settings: RequestSettings,
  signal: AbortSignal,
): Promise<void> {
  const wait = settings.firstTokenDelayMs + Math.max(0, deltaCount - 1) * settings.chunkDelayMs;
  try {
    if (wait > 0) await sleep(wait, undefined, { signal });
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
  const { fault } = settings;
  if (fault !== "cut" && fault !== "hang-after-first" && fault !== "malformed") {
    sendJson(res, 200, body);
    return;
  }
  const text = JSON.stringify(body);
  const half = text.slice(0, Math.floor(text.length / 2));
  const length = Buffer.byteLength(fault === "malformed" ? half : text);
  res.writeHead(200, { "content-type": "application/json", "content-length": length });
  if (fault === "malformed") {
    res.end(half);
  } else if (fault === "cut") {
    await flush(res, half);
    res.socket?.destroy();
  } else {
    res.write(half);
    await closed(res);
  }
}
