import { parseArgs } from "node:util";
import type { Reply } from "./behaviour.ts";
import { startFakeUpstream } from "./fake-upstream.ts";

/**
 * `npm run fake-upstream -- [--port 11435] [--chunks 50] [--delay 10] [--ttft 0] [--reply cite] [--api-key k]`:
 * runs the fake upstream for demos and benchmarks, prints `fake upstream listening on <url>` and
 * stops on SIGTERM or SIGINT.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "11435" },
    chunks: { type: "string" },
    delay: { type: "string" },
    ttft: { type: "string" },
    reply: { type: "string" },
    "api-key": { type: "string" },
  },
});

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value === "" || !Number.isInteger(number) || number < 0) {
    console.error(`--${name} must be a non-negative integer, got "${value}"`);
    process.exit(2);
  }
  return number;
}

const upstream = await startFakeUpstream({
  port: integer("port", values.port),
  chunks: integer("chunks", values.chunks),
  chunkDelayMs: integer("delay", values.delay),
  firstTokenDelayMs: integer("ttft", values.ttft),
  apiKey: values["api-key"],
  ...(values.reply !== undefined ? { reply: values.reply as Reply } : {}),
}).catch((error: unknown) => {
  console.error(`fake upstream: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
console.log(`fake upstream listening on ${upstream.url} (OpenAI and Anthropic base URL ${upstream.url}/v1)`);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    upstream.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
