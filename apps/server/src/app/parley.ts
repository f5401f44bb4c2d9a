import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { deploymentMode, type Config } from "../config/config.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { buildHttpServer } from "../http/http-server.ts";
import type { TypedApp } from "../http/route-config.ts";
import { registerProbeRoutes, registerSystemApiRoutes } from "../modules/system/system.routes.ts";
import { SystemService } from "../modules/system/system.service.ts";
import { createLogger } from "../platform/logger.ts";
import { createMetrics } from "../platform/metrics/metrics.ts";
import { AuditService, registerAuditRoutes, startAuditRetention } from "../modules/audit/index.ts";
import { createIdentityModule } from "../modules/identity/identity.module.ts";
import { AiPipeline } from "../modules/ai/ai-pipeline.ts";
import { aiAuditStage } from "../modules/ai/ai-audit.stage.ts";
import type { PipelineStage } from "../modules/ai/ai-stage.ts";
import { createAiMetrics } from "../modules/ai/ai.metrics.ts";
import { contextWindowStage } from "../modules/ai/context-window.stage.ts";
import { rateLimitStage } from "../modules/identity/identity.stages.ts";
import { meteringStage } from "../modules/usage/usage.stages.ts";
import { registerGatewayRoutes } from "../modules/gateway/gateway.routes.ts";
import { createProvidersModule } from "../modules/providers/index.ts";
import { UsageRepository } from "../modules/usage/usage.repository.ts";
import { registerUsageRoutes } from "../modules/usage/usage.routes.ts";
import { UsageService } from "../modules/usage/usage.service.ts";
import { ChatRepository } from "../modules/chat/chat.repository.ts";
import { ChatService } from "../modules/chat/chat.service.ts";
import { EventStreams } from "../modules/chat/chat-events.ts";
import { createChatMetrics } from "../modules/chat/chat.metrics.ts";
import { registerChatRoutes } from "../modules/chat/chat.routes.ts";
import { startGenerationWorker } from "../modules/chat/generation.jobs.ts";
import { failAnswersLeftStreaming, startLostWorkerSweep } from "../modules/chat/lost-answers.ts";
import { ensureFirstAdmin } from "./first-admin.ts";
import { ensureInstance } from "./instance.ts";
import { buildPlatform, type Platform } from "./platform.ts";
import { startPodHeartbeat } from "./pod-heartbeat.ts";
import { PARLEY_VERSION } from "./version.ts";

/** A started Parley process. */
export interface RunningParley {
  /** Base URL of the HTTP server, for example `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly podId: string;
  readonly platform: Platform;
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
  try {
    const applied = await migrateToLatest(platform.database);
    if (applied.length > 0) logger.info({ applied }, "database migrated");
    const instance = await ensureInstance(platform.database, platform.clock);

    let url = `http://localhost:${config.port}`;
    const audit = new AuditService({
      database: platform.database,
      secrets: platform.secrets,
      clock: platform.clock,
      checkpoints: platform.blobs,
    });
    const identity = createIdentityModule({
      database: platform.database,
      limiter: platform.rateLimiter,
      audit,
      clock: platform.clock,
      secrets: platform.secrets,
      rateLimits: config.rateLimits,
      refreshReuseGraceMs: config.refreshReuseGraceMs,
      publicUrl: () => config.publicUrl ?? url,
      oidc: { providers: config.oidcProviders, cache: platform.store.cache },
      broadcast: { pubsub: platform.bus.pubsub, podId },
    });
    await ensureFirstAdmin(config, identity, logger);
    const providers = createProvidersModule({
      database: platform.database,
      secrets: platform.secrets,
      audit,
      clock: platform.clock,
      logger,
      config: { providers: config.providers, ollamaUrl: config.ollamaUrl, ollamaDetect: config.ollamaDetect },
    });
    await providers.detectOllama();
    const usage = new UsageService({
      repository: new UsageRepository(platform.database.db),
      clock: platform.clock,
    });
    // In order (ADR 0016): refusals of the stages before audit and metering are neither.
    const aiStages = [
      rateLimitStage({ limiter: platform.rateLimiter, rateLimits: config.rateLimits }),
      contextWindowStage(),
      aiAuditStage({ audit }),
      meteringStage({ usage }),
    ];
    const pipeline = new AiPipeline({
      catalog: providers.catalog,
      stages: options.aiStages ? options.aiStages(aiStages) : aiStages,
      clock: platform.clock,
      logger,
      events: platform.bus.pubsub,
      metrics: createAiMetrics(metrics.registry),
      policy: {
        maxRetries: config.aiMaxRetries,
        firstTokenMs: config.aiFirstTokenTimeoutMs,
        idleMs: config.aiIdleTimeoutMs,
      },
    });
    const chats = new ChatRepository(platform.database);
    // Before serving: answers a crashed predecessor left streaming would block their
    // conversations forever (409 on every send) and no lease or log of it is left to notice.
    if (platform.soleDatabaseUser) {
      await failAnswersLeftStreaming({ chats, bus: platform.bus, clock: platform.clock, logger });
    }
    const streams = new EventStreams();
    const chatMetrics = createChatMetrics(metrics.registry);
    const chat = new ChatService({
      chats,
      bus: platform.bus,
      cache: platform.store.cache,
      audit,
      clock: platform.clock,
      defaultModel: async () => (await providers.catalog.list()).find((m) => m.enabled)?.id ?? null,
    });

    const startedAt = new Date().toISOString();
    const system = new SystemService({
      components: () => platform.components(),
      info: {
        name: "parley",
        version: PARLEY_VERSION,
        mode: deploymentMode(config),
        role: config.role,
        podId,
        startedAt,
      },
    });
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
        auth: identity.edge,
        ...(config.role !== "worker" && webRoot ? { webRoot } : {}),
      },
      async (scope) => {
        registerProbeRoutes(scope, { system, metrics: metrics.registry });
        if (config.role !== "worker") {
          registerSystemApiRoutes(scope, { system });
          identity.registerRoutes(scope);
          registerAuditRoutes(scope, { audit });
          providers.registerRoutes(scope);
          registerUsageRoutes(scope, { usage });
          await registerGatewayRoutes(scope, { pipeline, catalog: providers.catalog });
          registerChatRoutes(scope, {
            chat,
            bus: platform.bus,
            chats,
            streams,
            registry: platform.store.registry,
            metrics: chatMetrics,
            podId,
            maxStreamsPerUser: config.maxStreamsPerUser,
          });
        }
        return Promise.resolve();
      },
    );
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
    url = `http://${shownHost}:${port}`;
    const stopWorker =
      config.role === "api"
        ? () => Promise.resolve()
        : await startGenerationWorker({
            bus: platform.bus,
            chats,
            auth: identity.auth,
            pipeline,
            cache: platform.store.cache,
            clock: platform.clock,
            logger,
            workerId: podId,
            concurrency: 32,
            metrics: chatMetrics,
          });
    const stopSweep = startLostWorkerSweep({
      chats,
      bus: platform.bus,
      clock: platform.clock,
      cache: platform.store.cache,
      logger,
    });
    const stopRetention =
      config.role === "api"
        ? () => Promise.resolve()
        : startAuditRetention({
            audit,
            retentionDays: config.auditRetentionDays,
            intervalMs: 60 * 60 * 1000,
            logger,
          });

    const stopHeartbeat = await startPodHeartbeat(
      platform.store.registry,
      podId,
      { role: config.role, host: hostname(), pid: process.pid, version: PARLEY_VERSION, url, startedAt },
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
        // SSE clients get a retry hint and reconnect to another pod; answers keep generating.
        streams.drain();
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
        await stopRetention();
        stopSweep();
        await stopWorker();
        await stopHeartbeat();
        step("left the registry");
        await platform.close();
        logger.info({ ms: Math.round(performance.now() - t0) }, "stopped");
      })();
      return stopping;
    };
    return { url, podId, platform, app, logger, stop };
  } catch (error) {
    await platform.close();
    throw error;
  }
}
