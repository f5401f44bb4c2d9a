/**
 * Streaming chat completions as a load: `concurrency` clients on keep-alive connections until
 * `total` streaming requests are done or `maxMs` passed, with every stream's time to first token
 * and total time. Runs inside the load worker (load-worker.ts), never in a measured process.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

/** What to load. */
export interface StreamJob {
  kind: "stream";
  url: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  total: number;
  maxMs: number;
}

/** What one job measured (milliseconds). */
export interface StreamJobResult {
  ttft: number[];
  total: number[];
  errors: number;
  firstError: string | null;
  wallMs: number;
}

// First content delta: `"content":"` followed by at least one character (the role chunk has "").
const FIRST_CONTENT = /"content":"[^"]/;

function oneStream(job: StreamJob, agent: http.Agent): Promise<{ ttft: number; total: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const url = new URL(job.url);
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        agent,
        headers: {
          ...job.headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(job.body),
        },
      },
      (res) => {
        let ttft = -1;
        let head = "";
        let tail = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (ttft < 0) {
            head += chunk;
            if (FIRST_CONTENT.test(head)) {
              ttft = performance.now() - started;
              head = "";
            }
          }
          tail = (tail + chunk).slice(-64);
        });
        res.on("end", () => {
          const total = performance.now() - started;
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}: ${head.slice(0, 300)}`));
          else if (ttft < 0 || !tail.includes("[DONE]")) reject(new Error(`incomplete stream: ${tail}`));
          else resolve({ ttft, total });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(job.body);
  });
}

/**
 * Runs `concurrency` closed loops until `total` operations were issued or `maxMs` passed; each
 * operation reports its time to first token and total time, failures are counted.
 */
export async function runClosedLoop(
  job: { concurrency: number; total: number; maxMs: number },
  maxSockets: number,
  one: (agent: http.Agent) => Promise<{ ttft: number; total: number }>,
): Promise<StreamJobResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const result: StreamJobResult = { ttft: [], total: [], errors: 0, firstError: null, wallMs: 0 };
  const started = performance.now();
  const deadline = started + job.maxMs;
  let issued = 0;
  const client = async () => {
    while (issued < job.total && performance.now() < deadline) {
      issued += 1;
      try {
        const done = await one(agent);
        result.ttft.push(done.ttft);
        result.total.push(done.total);
      } catch (error) {
        result.errors += 1;
        result.firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  result.wallMs = performance.now() - started;
  agent.destroy();
  return result;
}

/** Runs one job to its end (bounded by `total` and `maxMs`). */
export function runStreamJob(job: StreamJob): Promise<StreamJobResult> {
  return runClosedLoop(job, job.concurrency, (agent) => oneStream(job, agent));
}
