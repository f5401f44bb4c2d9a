/**
 * The floor for any Node hop: a minimal HTTP pass-through proxy with a keep-alive agent, no
 * parsing, no auth. `node bench/pass-through-proxy.ts <upstream-url> [port]` prints
 * `proxy listening on <url>`.
 */
import http from "node:http";

const target = new URL(process.argv[2] ?? "http://127.0.0.1:11435");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

const server = http.createServer((req, res) => {
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: target.host },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => res.destroy());
  res.on("close", () => {
    if (!res.writableFinished) upstream.destroy();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[3] ?? 0), "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object")
    console.log(`proxy listening on http://127.0.0.1:${address.port}`);
});
process.once("SIGTERM", () => process.exit(0));
