import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { deploymentMode, type Config } from "../config/config.ts";
import { migrateToLatest } from "./migrations.ts";
import { buildHttpServer } from "../http/http-server.ts";
import type { TypedApp } from "../kernel/route-config.ts";
import { createLogger } from "../platform/logger.ts";
import { createMetrics } from "../platform/metrics/metrics.ts";
import { errorCatalog } from "./errors.ts";
import { TypedBus } from "../kernel/typed-bus.ts";
import type { PipelineStage } from "../kernel/ai-stage.ts";
import type { McpCatalog } from "../kernel/mcp-contribution.ts";
import { ensureInstance } from "./instance.ts";
import { buildModules, workersFor, type ModuleExports } from "./modules.ts";
import { buildPlatform, type Platform } from "./platform.ts";
import { startPodHeartbeat } from "./pod-heartbeat.ts";
import { PARLEY_VERSION } from "../kernel/version.ts";

/** A started Parley process. */
export interface RunningParley {
  /** Base URL of the HTTP server, for example `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly podId: string;
  readonly platform: Platform;
  /** The modules' use cases, for callers other than HTTP (tests, tools) to reach them the same way. */
  readonly modules: ModuleExports;
  readonly app: TypedApp;
  readonly logger: Logger;
  /** Drains and stops: readiness fails, new connections are refused, in-flight requests finish, adapters close. */
  stop(): Promise<void>;
}

/** Options beyond the configuration, mainly for tests and the CLI. */
export interface StartOptions {
  logger?: Logger;
  /** Folder of the built web app; defaults to `apps/web/dist`. */
  webRoot?: string | null;
  /** Changes the AI pipeline's stage list (tests add their own stages around the defaults). */
  aiStages?: (defaults: PipelineStage[]) => PipelineStage[];
  /** Changes the MCP tools, resources and prompts (tests add their own beside the modules'). */
  mcp?: (contributed: McpCatalog) => McpCatalog;
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL("../../../web/dist", import.meta.url));

/**
 * Starts one Parley process in the configured mode and role: builds the adapters, migrates,
 * serves HTTP (the full API for `api`/`all`, probes and metrics only for `worker`), and
 * announces the pod.
 * @example
 * const parley = await startParley(loadConfig({ env: process.env }));
 * console.log(parley.url); await parley.stop();
 */
export async function startParley(config: Config, options: StartOptions = {}): Promise<RunningParley> {
  const podId = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const logger = options.logger
    ? options.logger.child({ pod: podId })
    : createLogger({ level: config.logLevel, base: { pod: podId, role: config.role }, pretty: false });
  const metrics = createMetrics({ pod: podId, role: config.role });
  const platform = await buildPlatform(config, logger);
  // What modules use: payloads checked against their topics' schemas, rejects counted.
  const bus = new TypedBus({ bus: platform.bus, malformed: metrics.busMalformed, logger });
  try {
    const applied = await migrateToLatest(platform.database);
    if (applied.length > 0) logger.info({ applied }, "database migrated");
    const instance = await ensureInstance(platform.database, platform.clock);

    let url = `http://localhost:${config.port}`;
    const modules = await buildModules(
      {
        config,
        platform,
        logger,
        metrics: metrics.registry,
        podId,
        bus,
        errors: errorCatalog,
        publicUrl: () => config.publicUrl ?? url,
      },
      {
        ...(options.aiStages ? { aiStages: options.aiStages } : {}),
        ...(options.mcp ? { mcp: options.mcp } : {}),
      },
    );
    const { system } = modules.exports.system;
    metrics.attach({ poolStats: () => platform.database.poolStats(), busStats: () => platform.bus.stats() });

    const webRoot = options.webRoot === null ? undefined : (options.webRoot ?? DEFAULT_WEB_ROOT);
    const app = await buildHttpServer(
      {
        logger,
        metrics,
        rateLimiter: platform.rateLimiter,
        bodyLimitBytes: config.bodyLimitBytes,
        requestTimeoutMs: config.requestTimeoutMs,
        trustProxy: config.trustProxy,
        ipRateLimitPerMinute: config.ipRateLimitPerMinute,
        version: PARLEY_VERSION,
        draining: () => system.isDraining(),
        auth: modules.exports.identity.edge,
        errors: errorCatalog,
        ...(config.role !== "worker" && webRoot ? { webRoot } : {}),
      },
      async (scope) => {
        for (const part of modules.parts) part.probes?.(scope);
        if (config.role !== "worker") for (const part of modules.parts) await part.routes?.(scope);
      },
    );
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
    url = `http://${shownHost}:${port}`;
    const stops: (() => Promise<void> | void)[] = [];
    for (const worker of workersFor(modules, config.role)) stops.push(await worker.start());

    const stopHeartbeat = await startPodHeartbeat(
      platform.store.registry,
      podId,
      {
        role: config.role,
        host: hostname(),
        pid: process.pid,
        version: PARLEY_VERSION,
        url,
        startedAt: system.info().startedAt,
      },
      logger,
    );
    logger.info(
      {
        url,
        mode: deploymentMode(config),
        role: config.role,
        instance: instance.id,
        dataDir: config.dataDir,
      },
      `Parley ${PARLEY_VERSION} listening on ${url} (${deploymentMode(config)} mode, role ${config.role})`,
    );

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        const t0 = performance.now();
        const step = (name: string) => {
          logger.info({ ms: Math.round(performance.now() - t0) }, `shutdown: ${name}`);
        };
        system.startDraining();
        for (const part of modules.parts) part.drain?.();
        // In-flight requests get most of the shutdown budget; connections still open after it
        // (a client that ignores Connection: close) are cut so the process can exit in time.
        const cut = setTimeout(
          () => {
            app.server.closeAllConnections();
          },
          Math.max(1_000, config.shutdownTimeoutMs - 3_000),
        );
        cut.unref();
        await app.close();
        clearTimeout(cut);
        step("http closed");
        for (const stopWorker of stops.reverse()) await stopWorker();
        step("workers stopped");
        await stopHeartbeat();
        step("left the registry");
        await platform.close();
        logger.info({ ms: Math.round(performance.now() - t0) }, "stopped");
      })();
      return stopping;
    };
    return { url, podId, platform, modules: modules.exports, app, logger, stop };
  } catch (error) {
    await platform.close();
    throw error;
  }
}
