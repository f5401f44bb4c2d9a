/**
 * Holds many SSE connections for the connections benchmark, as its own process (forked with IPC;
 * several of them share the load). Messages: `{open: {targets, perTarget}}` opens connections and
 * answers `{opened, failed, firstError}` once all are open (or failed); `{count: true}` answers
 * with the deltas received so far; `{close: true}` closes them all and answers.
 */
import http from "node:http";
import { openEventStream, type SseStream } from "./sse.ts";

/** One conversation's event stream and the token that may read it. */
export interface HoldTarget {
  url: string;
  token: string;
}

/** A command to the holder. */
export type HolderCommand =
  | { open: { targets: HoldTarget[]; perTarget: number; parallel: number } }
  | { count: true }
  | { close: true };

const streams: SseStream[] = [];
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
let deltas = 0;
let lastDeltaAt = 0;

async function open(targets: HoldTarget[], perTarget: number, parallel: number) {
  const queue = targets.flatMap((t) => Array.from({ length: perTarget }, () => t));
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  const opener = async () => {
    for (let t = queue.pop(); t; t = queue.pop()) {
      const stream = openEventStream(
        t.url,
        { authorization: `Bearer ${t.token}` },
        (event) => {
          if (event.event === "message.delta") {
            deltas += 1;
            lastDeltaAt = Date.now();
          }
        },
        agent,
      );
      try {
        await stream.opened;
        streams.push(stream);
        opened += 1;
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, opener));
  return { opened, failed, firstError };
}

process.on("message", (command: HolderCommand) => {
  if ("open" in command) {
    void open(command.open.targets, command.open.perTarget, command.open.parallel).then((r) =>
      process.send?.(r),
    );
  } else if ("count" in command) {
    process.send?.({ deltas, lastDeltaAt });
  } else {
    for (const s of streams.splice(0)) s.close();
    process.send?.({ closed: true });
  }
});
process.on("disconnect", () => process.exit(0));
