import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { BusStats } from "../bus/bus.port.ts";
import type { PoolStats } from "../db/database.ts";

/** Sources the metrics read at scrape time. */
export interface MetricSources {
  poolStats(): PoolStats;
  busStats(): BusStats;
}

/** The process's Prometheus registry and the instruments the edge and platform update. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<"method" | "route" | "status_code">;
  readonly rateLimitErrors: Counter;
  /** Bus payloads a consumer rejected because they did not match their topic's schema. */
  readonly busMalformed: Counter<"topic">;
  /** Connects scrape-time gauges (pool, bus) to their sources. */
  attach(sources: MetricSources): void;
}

/**
 * A fresh registry (never the global one, so several servers can live in one test process) with
 * Node's default metrics, including event-loop lag percentiles.
 */
export function createMetrics(labels: { pod: string; role: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const httpDuration = new Histogram({
    name: "parley_http_request_duration_seconds",
    help: "HTTP request duration by route template and status",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimitErrors = new Counter({
    name: "parley_rate_limit_errors_total",
    help: "Rate limit checks that failed because the limiter's store was unavailable (request allowed)",
    registers: [registry],
  });
  const busMalformed = new Counter({
    name: "parley_bus_malformed_total",
    help: "Bus payloads rejected by their consumer for not matching the topic's schema, by topic",
    labelNames: ["topic"] as const,
    registers: [registry],
  });
  let sources: MetricSources | undefined;
  new Gauge({
    name: "parley_db_pool_connections",
    help: "Database pool connections by state",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      if (!sources) return;
      const stats = sources.poolStats();
      this.set({ state: "total" }, stats.total);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
    },
  });
  new Gauge({
    name: "parley_bus_operations",
    help: "Bus counters since start: published, delivered, enqueued, acked, redelivered, appended, activeSubscriptions",
    labelNames: ["op"] as const,
    registers: [registry],
    collect() {
      if (!sources) return;
      for (const [op, value] of Object.entries(sources.busStats()) as [string, number][])
        this.set({ op }, value);
    },
  });
  return {
    registry,
    httpDuration,
    rateLimitErrors,
    busMalformed,
    attach(next) {
      sources = next;
    },
  };
}
