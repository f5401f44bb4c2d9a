/**
 * A read-load client run as its own process (forked by bench/api-reads.ts): `concurrency` loops,
 * each as one user (its own bearer token), request paths in turn over keep-alive connections for
 * `seconds` with an optional think time between requests, then it sends back every latency in ms and the count of non-200 answers.
 */
import http from "node:http";
import { performance } from "node:perf_hooks";

interface ReadJob {
  baseUrl: string;
  users: { token: string; paths: string[] }[];
  seconds: number;
  /** Mean pause between one user's requests (uniform in 0..2x), as a person reading pages. */
  thinkMs: number;
}

function get(agent: http.Agent, url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        agent,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", reject);
  });
}

process.once("message", (message) => {
  const job = message as ReadJob;
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.users.length });
  const deadline = performance.now() + job.seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  const loop = async (user: ReadJob["users"][number], offset: number) => {
    // People do not all click at the same instant: each starts somewhere in its first pause.
    if (job.thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * job.thinkMs));
    for (let i = offset; performance.now() < deadline; i++) {
      const path = user.paths[i % user.paths.length] ?? "/api/v1/me";
      const started = performance.now();
      const status = await get(agent, new URL(path, job.baseUrl), user.token).catch(() => 0);
      latencies.push(performance.now() - started);
      if (status !== 200) errors++;
      if (job.thinkMs > 0) await new Promise((r) => setTimeout(r, Math.random() * 2 * job.thinkMs));
    }
  };
  void Promise.all(job.users.map((user, i) => loop(user, i))).then(() => {
    agent.destroy();
    process.send?.({ latencies, errors }, () => {
      process.disconnect();
    });
  });
});
