import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Prometheus instruments of the streaming chat, on the process's registry. */
export interface ChatMetrics {
  activeStreams: Gauge;
  eventsRelayed: Counter;
  replays: Counter<"kind">;
  logLag: Histogram;
  ttft: Histogram;
  rejectedStreams: Counter;
  retriedAnswers: Counter;
}

/** Creates the chat instruments on `registry`. */
export function createChatMetrics(registry: Registry): ChatMetrics {
  return {
    activeStreams: new Gauge({
      name: "parley_sse_active_streams",
      help: "Open SSE connections on this process",
      registers: [registry],
    }),
    eventsRelayed: new Counter({
      name: "parley_sse_events_relayed_total",
      help: "Chat events written to SSE clients",
      registers: [registry],
    }),
    replays: new Counter({
      name: "parley_sse_connects_total",
      help: "SSE connections by how they started: resume (Last-Event-ID honoured), fresh, or snapshot",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    logLag: new Histogram({
      name: "parley_sse_log_lag_seconds",
      help: "Time from an event's append to the durable log to its relay to a client",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    ttft: new Histogram({
      name: "parley_chat_ttft_seconds",
      help: "Time from picking up a generation job to its first token",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rejectedStreams: new Counter({
      name: "parley_sse_rejected_total",
      help: "SSE connections refused because the user had too many open",
      registers: [registry],
    }),
    retriedAnswers: new Counter({
      name: "parley_chat_answers_retried_total",
      help: "Answers generated again from nothing after their worker died",
      registers: [registry],
    }),
  };
}
