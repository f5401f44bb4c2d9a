import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProduction, type BuildSummary } from "../../../../scripts/build-production.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { eventually } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";

// The run stage of the Containerfile, reproduced without a container engine: the production
// build copied into a tree owned by root (read-only to everyone else, as COPY leaves it), Node
// at a path of its own, a data folder writable by group 0, and a process running as an arbitrary
// UID in group 0, as OpenShift's restricted-v2 policy starts it.

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const ARBITRARY_UID = 1_000_670_000;
/** The image's own user, who owns its data folder. */
const IMAGE_UID = 1001;

let base: string;
let app: string;
let node: string;
let build: BuildSummary;

beforeAll(() => {
  if (process.getuid?.() !== 0)
    throw new Error("this test starts Parley as another user, so it must run as root (as CI does)");
  base = mkdtempSync(join(tmpdir(), "parley-prod-"));
  chmodSync(base, 0o755);
  app = join(base, "app");
  build = buildProduction({ root: ROOT, out: app });
  mkdirSync(join(base, "bin"), { mode: 0o755 });
  node = join(base, "bin/node");
  // A hard link where the file system allows it (the binary is 120 MB), a copy elsewhere.
  try {
    linkSync(realpathSync(process.execPath), node);
  } catch {
    copyFileSync(process.execPath, node);
    chmodSync(node, 0o755);
  }
});

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

/**
 * A data folder as the image makes it (Containerfile: owned by 1001:0, mode 0770): the arbitrary
 * UID is not its owner and writes to it only as a member of group 0.
 */
function dataDir(name: string): string {
  const dir = join(base, name);
  mkdirSync(dir, { mode: 0o770 });
  chmodSync(dir, 0o770);
  chownSync(dir, IMAGE_UID, 0);
  return dir;
}

/** Runs `bin/parley <args>` from the build as the arbitrary UID, in the read-only tree. */
function runAsArbitraryUid(args: string[], env: Record<string, string>) {
  const child = spawn(node, [join(app, "bin/parley"), ...args], {
    cwd: app,
    uid: ARBITRARY_UID,
    gid: 0,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: "/nonexistent",
      NODE_ENV: "production",
      PARLEY_OLLAMA_DETECT: "false",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown");
    }),
  );
  const listening = async () => {
    await eventually("the production build to listen", () =>
      Promise.resolve(/listening on http:\/\//.test(output) || child.exitCode !== null),
    );
    const url = /listening on (http:\/\/[^\s"]+)/.exec(output)?.[1];
    if (!url) throw new Error(`parley exited before listening:\n${output}`);
    return url;
  };
  return { child, output: () => output, exited, listening };
}

/** Every path under `dir` owned by `uid`. */
function ownedBy(dir: string, uid: number): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const path = join(dir, entry);
    if (lstatSync(path).uid === uid) found.push(path);
  }
  return found;
}

describe("the production build", () => {
  it("holds the server's production dependencies and the built web app, no dev tool", () => {
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    expect(build.packages.length).toBeGreaterThan(50);
    for (const path of build.packages) expect(lock.packages[path]?.dev, path).not.toBe(true);
    const installed = readdirSync(join(app, "node_modules"));
    for (const dev of [
      "typescript",
      "vitest",
      "eslint",
      "prettier",
      "vite",
      "react",
      "playwright-core",
      "kubernetes-models",
    ])
      expect(installed, dev).not.toContain(dev);
    expect(installed).toEqual(
      expect.arrayContaining(["fastify", "better-sqlite3", "pg", "ioredis", "@nats-io"]),
    );
    expect(statSync(join(app, "apps/web/dist/index.html")).isFile()).toBe(true);
    expect(statSync(join(app, "apps/widget/dist/loader.js")).isFile()).toBe(true);
    expect(
      readdirSync(join(app, "apps/server/src"), { recursive: true, encoding: "utf8" }).filter((f) =>
        f.endsWith(".test.ts"),
      ),
    ).toEqual([]);
    expect(lstatSync(join(app, "node_modules/@parley/contracts")).isSymbolicLink()).toBe(true);
    // Nothing in it is writable by the group (0 in the image, every arbitrary UID's) or others.
    const writable = readdirSync(app, { recursive: true, encoding: "utf8" }).filter((entry) => {
      const stat = lstatSync(join(app, entry));
      return !stat.isSymbolicLink() && (stat.mode & 0o022) !== 0;
    });
    expect(writable).toEqual([]);
  });

  it("starts as an arbitrary UID in group 0 with a read-only tree, serves /readyz and the web app, and writes only its data folder", async () => {
    const data = dataDir("data-embedded");
    const parley = runAsArbitraryUid(["start", "--port", "0", "--host", "127.0.0.1"], {
      PARLEY_DATA_DIR: data,
    });
    try {
      const url = await parley.listening();
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status, parley.output()).toBe(200);
      expect(((await ready.json()) as { status: string }).status).toBe("ready");
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      parley.child.kill("SIGTERM");
    }
    expect(await parley.exited, parley.output()).toBe(0);
    expect(ownedBy(data, ARBITRARY_UID)).toContain(join(data, "parley.db"));
    // Outside its data folder the process created nothing (the tree is root's; /tmp aside).
    const elsewhere = ownedBy(base, ARBITRARY_UID).filter(
      (path) => path !== data && !path.startsWith(`${data}/`),
    );
    expect(elsewhere).toEqual([]);
  });

  it("really cannot write its own tree: a data folder inside it stops the start", async () => {
    const parley = runAsArbitraryUid(["start", "--port", "0", "--host", "127.0.0.1"], {
      PARLEY_DATA_DIR: join(app, "data"),
    });
    expect(await parley.exited).toBe(1);
    expect(parley.output()).toMatch(/EACCES|permission denied/i);
  });

  describe("distributed, as the api and worker pods run it", () => {
    let pg: TestPostgres;
    const namespace = uniqueId("deploy_");
    beforeAll(async () => {
      pg = await createTestPostgres();
    });
    afterAll(async () => {
      await cleanupNamespace(namespace);
      await pg.drop();
    });

    it("migrates, then starts an api and a worker that pass /readyz", async () => {
      const env = {
        PARLEY_DATABASE_URL: pg.url,
        PARLEY_NATS_URL: testServices.natsUrl,
        PARLEY_REDIS_URL: testServices.redisUrl,
        PARLEY_NAMESPACE: namespace,
        PARLEY_SECRET_KEY: "a-test-secret-that-is-long-enough-for-parley",
      };
      const migrate = runAsArbitraryUid(["migrate"], { ...env, PARLEY_DATA_DIR: dataDir("data-migrate") });
      expect(await migrate.exited, migrate.output()).toBe(0);
      const api = runAsArbitraryUid(["start", "--role", "api", "--port", "0", "--host", "127.0.0.1"], {
        ...env,
        PARLEY_DATA_DIR: dataDir("data-api"),
      });
      const worker = runAsArbitraryUid(["start", "--role", "worker", "--port", "0", "--host", "127.0.0.1"], {
        ...env,
        PARLEY_DATA_DIR: dataDir("data-worker"),
      });
      try {
        for (const proc of [api, worker]) {
          const url = await proc.listening();
          const ready = await fetch(`${url}/readyz`);
          expect(ready.status, proc.output()).toBe(200);
        }
      } finally {
        api.child.kill("SIGTERM");
        worker.child.kill("SIGTERM");
      }
      expect(await api.exited, api.output()).toBe(0);
      expect(await worker.exited, worker.output()).toBe(0);
    });
  });
});
