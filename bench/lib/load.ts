import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChatJob } from "./chat-client.ts";
import type { StreamJob, StreamJobResult } from "./stream-client.ts";

/** The load generator process (load-worker.ts), one job at a time. */
export interface LoadWorker {
  run(job: StreamJob | ChatJob): Promise<StreamJobResult>;
  stop(): void;
}

/** Forks the load generator; its CPU and memory are not the measured servers'. */
export function startLoadWorker(): LoadWorker {
  const child = fork(fileURLToPath(new URL("./load-worker.ts", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return {
    run: (job) =>
      new Promise<StreamJobResult>((resolve) => {
        child.once("message", (result) => {
          resolve(result as StreamJobResult);
        });
        child.send(job);
      }),
    stop: () => {
      if (child.connected) child.disconnect();
    },
  };
}
