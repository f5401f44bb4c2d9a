import type { Readiness, SystemInfo } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { getJson } from "../../api.ts";

/** The landing page until the chat app arrives: what is running and whether it is healthy. */
export function StatusPage() {
  const info = useQuery({
    queryKey: ["system-info"],
    queryFn: () => getJson<SystemInfo>("/api/v1/system/info"),
  });
  const ready = useQuery({
    queryKey: ["readyz"],
    queryFn: () => getJson<Readiness>("/readyz", [503]),
    refetchInterval: 5_000,
  });

  return (
    <main className="page">
      <header className="header">
        <h1>Parley</h1>
        <p className="tagline">Self-hosted AI platform for software teams</p>
      </header>

      <section aria-labelledby="server-heading" className="card">
        <h2 id="server-heading">Server</h2>
        {info.isPending && <p>Loading…</p>}
        {info.isError && <p role="alert">Cannot reach the server: {info.error.message}</p>}
        {info.data && (
          <dl className="facts">
            <dt>Version</dt>
            <dd>{info.data.version}</dd>
            <dt>Mode</dt>
            <dd>{info.data.mode}</dd>
            <dt>Role</dt>
            <dd>{info.data.role}</dd>
            <dt>Process</dt>
            <dd>
              <code>{info.data.podId}</code>
            </dd>
          </dl>
        )}
      </section>

      <section aria-labelledby="ready-heading" className="card">
        <h2 id="ready-heading">
          Components{" "}
          {ready.data && (
            <span className={`badge badge-${ready.data.status}`} role="status">
              {ready.data.status}
            </span>
          )}
        </h2>
        {ready.isPending && <p>Checking…</p>}
        {ready.isError && <p role="alert">Readiness check failed: {ready.error.message}</p>}
        {ready.data && (
          <ul className="components">
            {Object.entries(ready.data.components).map(([name, c]) => (
              <li key={name}>
                <span className={`dot dot-${c.status}`} aria-hidden="true" />
                <strong>{name}</strong> <span>{c.status}</span>{" "}
                <span className="muted">{c.latencyMs} ms</span>
                {c.error && <span className="error"> — {c.error}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>

      <nav aria-label="Developer links" className="card links">
        <a href="/api/docs">API reference</a>
        <a href="/api/openapi.json">OpenAPI document</a>
        <a href="/metrics">Metrics</a>
      </nav>
    </main>
  );
}
