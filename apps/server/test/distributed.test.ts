import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allMigrations } from "../src/app/migrations.ts";
import { createTestPostgres, type TestPostgres } from "./postgres.ts";
import { eventually, runParley, type ParleyProcess } from "./process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "./services.ts";
import { TcpProxy } from "./tcp-proxy.ts";

/**
 * Several processes against the real PostgreSQL, NATS and Redis of this machine, started the
 * way an operator would start pods.
 */
const namespace = uniqueId("dist");
const dataDir = mkdtempSync(join(tmpdir(), "parley-dist-"));
let database: TestPostgres;
const processes: ParleyProcess[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PARLEY_DATABASE_URL: database.url,
    PARLEY_NATS_URL: testServices.natsUrl,
    PARLEY_REDIS_URL: testServices.redisUrl,
    PARLEY_NAMESPACE: namespace,
    PARLEY_SECRET_KEY: "distributed-test-secret-key-0123456789abcdef",
    PARLEY_IP_RATE_LIMIT_PER_MINUTE: "1000",
    PARLEY_DATA_DIR: dataDir,
    ...extra,
  };
}
function start(role: "api" | "worker" | "all", extra: Record<string, string> = {}): ParleyProcess {
  const p = runParley(["start", "--role", role, "--port", "0", "--host", "127.0.0.1"], env(extra));
  processes.push(p);
  return p;
}

beforeAll(async () => {
  database = await createTestPostgres();
});
afterAll(async () => {
  for (const p of processes) p.kill();
  await Promise.all(processes.map((p) => p.exited()));
  await database.drop();
  await cleanupNamespace(namespace);
});

interface Readiness {
  status: string;
  components: Record<string, { status: string; error?: string }>;
}
const readiness = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
};

describe("distributed mode", () => {
  let apiA: string;
  let apiB: string;
  let worker: string;

  beforeAll(async () => {
    // Three pods racing through start-up and migrations at the same moment.
    const pods = [
      start("api", { PARLEY_IP_RATE_LIMIT_PER_MINUTE: "5" }),
      start("api", { PARLEY_IP_RATE_LIMIT_PER_MINUTE: "5" }),
      start("worker"),
    ];
    [apiA, apiB, worker] = (await Promise.all(pods.map((p) => p.listening()))) as [string, string, string];
  }, 60_000);

  it("applies each migration exactly once although three pods started together", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        "select name from parley_migration order by name",
      );
      expect(rows.map((r) => r.name)).toEqual(Object.keys(allMigrations()).sort());
      const instance = await client.query("select * from instance");
      expect(instance.rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });

  it("reports every shared component up on every pod", async () => {
    for (const url of [apiA, apiB, worker]) {
      const { status, body } = await readiness(url);
      expect(status).toBe(200);
      expect(body.components.database?.status).toBe("up");
      expect(body.components.bus?.status).toBe("up");
      expect(body.components.registry?.status).toBe("up");
    }
  });

  it("serves only probes and metrics on a worker", async () => {
    expect((await fetch(`${worker}/api/v1/system/info`)).status).toBe(404);
    expect((await fetch(`${worker}/metrics`)).status).toBe(200);
  });

  it("counts one client's requests across pods: the limit holds whichever pod answers", async () => {
    const statuses: number[] = [];
    const pods = new Set<string>();
    for (const url of [apiA, apiB, apiA, apiB, apiA, apiB]) {
      const res = await fetch(`${url}/api/v1/system/info`);
      statuses.push(res.status);
      if (res.ok) {
        const info = (await res.json()) as { mode: string; role: string; podId: string };
        expect(info).toMatchObject({ mode: "distributed", role: "api" });
        pods.add(info.podId);
      }
    }
    expect(pods.size).toBe(2);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("lists the live pods with parley status, and forgets a pod that stopped", async () => {
    const status = runParley(["status"], env());
    expect(await status.exited()).toBe(0);
    const lines = status.output().trim().split("\n");
    expect(lines.filter((l) => l.includes("role=api"))).toHaveLength(2);
    expect(lines.filter((l) => l.includes("role=worker"))).toHaveLength(1);

    const extra = start("all");
    await extra.listening();
    extra.kill("SIGTERM");
    expect(await extra.exited()).toBe(0);
    const after = runParley(["status"], env());
    await after.exited();
    expect(after.output().trim().split("\n")).toHaveLength(3);
  });
});

describe("identity across pods", () => {
  it("honours a session, its revocation and a login lock whichever pod answers", async () => {
    const admin = { PARLEY_ADMIN_EMAIL: "ops@parley.test", PARLEY_ADMIN_PASSWORD: "pods share everything" };
    const [a, b] = (await Promise.all(
      [start("api", admin), start("api", admin)].map((p) => p.listening()),
    )) as [string, string];
    const post = (url: string, path: string, body: unknown, token?: string) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const login = await post(a, "/api/v1/auth/login", {
      email: "ops@parley.test",
      password: "pods share everything",
    });
    expect(login.status).toBe(200);
    const tokens = (await login.json()) as { accessToken: string; refreshToken: string };
    const meOn = async (url: string) =>
      (await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } }))
        .status;
    // Both pods now hold the session's principal in their 2 s cache (ADR 0011).
    expect([await meOn(b), await meOn(a)]).toEqual([200, 200]);
    expect((await post(b, "/api/v1/auth/logout", { refreshToken: tokens.refreshToken })).status).toBe(204);
    expect(await meOn(b)).toBe(401);
    // Pod A hears of the sign-out on the bus: well within the cache's 2 s.
    await expect.poll(() => meOn(a), { interval: 50, timeout: 1_000 }).toBe(401);

    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await post(i % 2 ? a : b, "/api/v1/auth/login", {
        email: "victim@parley.test",
        password: "wrong guess!",
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  }, 90_000);
});

describe("readiness when a shared service goes away", () => {
  it("answers 503 naming the component that is down, and 200 again once it is back, without a restart", async () => {
    const proxies = {
      database: await TcpProxy.start(5432),
      bus: await TcpProxy.start(4222),
      registry: await TcpProxy.start(6379),
    };
    const dbUrl = new URL(database.url);
    dbUrl.port = String(proxies.database.port);
    const pod = start("all", {
      PARLEY_DATABASE_URL: dbUrl.toString(),
      PARLEY_NATS_URL: `nats://127.0.0.1:${proxies.bus.port}`,
      PARLEY_REDIS_URL: `redis://127.0.0.1:${proxies.registry.port}`,
    });
    const url = await pod.listening();
    expect((await readiness(url)).status).toBe(200);
    try {
      for (const [component, proxy] of Object.entries(proxies)) {
        await proxy.stop();
        await eventually(`${component} reported down`, async () => {
          const { status, body } = await readiness(url);
          return status === 503 && body.components[component]?.status === "down";
        });
        const { body } = await readiness(url);
        const down = Object.entries(body.components)
          .filter(([, c]) => c.status === "down")
          .map(([name]) => name);
        expect(down).toContain(component);
        await proxy.start();
        await eventually(`${component} back up`, async () => (await readiness(url)).status === 200, 30_000);
      }
    } finally {
      for (const proxy of Object.values(proxies)) await proxy.stop();
    }
  }, 120_000);
});

describe("graceful shutdown", () => {
  it("lets an in-flight request finish after SIGTERM, then exits 0 well within 10 s", async () => {
    const redis = await TcpProxy.start(6379);
    try {
      const pod = start("all", { PARLEY_REDIS_URL: `redis://127.0.0.1:${redis.port}` });
      const url = await pod.listening();
      // A silent Redis makes the readiness probe wait for its 2 s check timeout: a slow request.
      redis.silence();
      const inFlight = fetch(`${url}/readyz`);
      await new Promise((r) => setTimeout(r, 300));
      const signalled = Date.now();
      pod.kill("SIGTERM");
      const res = await inFlight;
      expect(res.status).toBe(503);
      expect(((await res.json()) as Readiness).components.registry?.status).toBe("down");
      expect(await pod.exited(), pod.output()).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      await redis.stop();
    }
  }, 60_000);
});
