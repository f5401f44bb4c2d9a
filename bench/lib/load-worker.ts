/**
 * The benchmarks' load generator process: forked with IPC by a benchmark so the measured servers'
 * CPU, memory and event loop are their own. Each message is a job; each answer its result.
 */
import { runChatJob, type ChatJob } from "./chat-client.ts";
import { runStreamJob, type StreamJob } from "./stream-client.ts";

process.on("message", (job: StreamJob | ChatJob) => {
  const run = job.kind === "stream" ? runStreamJob(job) : runChatJob(job);
  run.then(
    (result) => process.send?.(result),
    (error: unknown) =>
      process.send?.({ ttft: [], total: [], errors: 1, firstError: String(error), wallMs: 0 }),
  );
});
process.on("disconnect", () => process.exit(0));
