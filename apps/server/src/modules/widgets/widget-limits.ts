import type { WidgetLimits } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { RateLimiter, RateRule } from "../../platform/rate-limit/rate-limit.port.ts";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** One of a widget's message limits, as counted by the platform's rate limiter. */
interface Counter {
  scope: "widget_visitor" | "widget_ip" | "widget";
  key: string;
  rule: RateRule;
}

/**
 * Spends one message of each of the widget's limits (per visitor, per IP, per widget), atomically
 * per counter across pods; when one refuses, the points taken from the others are given back and
 * the message is refused with 429 `rate_limit.exceeded` naming the limit.
 * @example
 * await spendMessage(limiter, { widgetId, visitorId, ip, limits });
 * @throws AppError `rate_limit.exceeded`, `server.unavailable` (the counter store is down: a public
 * widget fails closed rather than letting strangers spend unmetered).
 */
export async function spendMessage(
  limiter: RateLimiter,
  at: { widgetId: string; visitorId: string; ip: string; limits: WidgetLimits },
): Promise<void> {
  const counters: Counter[] = [
    {
      scope: "widget_visitor",
      key: `widget:${at.widgetId}:visitor:${at.visitorId}`,
      rule: { points: at.limits.visitorPerHour, durationMs: HOUR },
    },
    {
      scope: "widget_ip",
      key: `widget:${at.widgetId}:ip:${at.ip}`,
      rule: { points: at.limits.ipPerHour, durationMs: HOUR },
    },
    {
      scope: "widget",
      key: `widget:${at.widgetId}:all`,
      rule: { points: at.limits.widgetPerDay, durationMs: DAY },
    },
  ];
  const spent: Counter[] = [];
  try {
    for (const counter of counters) {
      const decision = await limiter.consume(counter.key, counter.rule);
      if (decision.allowed) {
        spent.push(counter);
        continue;
      }
      await Promise.all(spent.map((c) => limiter.reward(c.key, c.rule)));
      const retryAfter = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
      throw new AppError("rate_limit.exceeded", `Too many messages; try again in ${retryAfter} s`, {
        headers: { "retry-after": retryAfter },
        details: { scope: counter.scope, limit: decision.limit },
      });
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("server.unavailable", "The widget's message limits cannot be checked now", {
      cause: error,
    });
  }
}
