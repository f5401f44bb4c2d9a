import type { MyUsageQuery, UsageGroupBy, UsageQuery, UsageReport, UsageRow } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { can, requirePrincipal, seesTeam, boundTeam } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import { newId } from "../../kernel/ids.ts";
import { DAY_MS, type UsageAggregate, type UsageFilter, type UsageRepository } from "./usage.repository.ts";

/** What one AI call consumed, as the pipeline reports it. */
export interface UsageEvent {
  surface: string;
  operation: "chat" | "embedding";
  userId: string | null;
  teamId: string | null;
  apiKeyId: string | null;
  /** The assistant the call was made with; absent or null: none. */
  assistantId?: string | null;
  modelId: string;
  providerId: string;
  inputTokens: number;
  outputTokens: number;
  /** Cost in the price table's currency; 0 when the model has no price. */
  cost: number;
  /** Whether the model had a price (false: the cost is unknown, not zero). */
  priced: boolean;
  ttftMs: number | null;
  durationMs: number;
  outcome: "success" | "failure" | "cancelled";
  errorCode: string | null;
  attempts: number;
  requestId: string | null;
}

/** Records and aggregates metered usage. */
export class UsageService {
  readonly #repo: UsageRepository;
  readonly #clock: Clock;
  constructor(deps: { repository: UsageRepository; clock: Clock }) {
    this.#repo = deps.repository;
    this.#clock = deps.clock;
  }

  /** Stores one call's usage. */
  async record(event: UsageEvent): Promise<void> {
    await this.#repo.insert({
      id: newId(),
      at: this.#clock.now(),
      surface: event.surface,
      operation: event.operation,
      user_id: event.userId,
      team_id: event.teamId,
      api_key_id: event.apiKeyId,
      assistant_id: event.assistantId ?? null,
      model_id: event.modelId,
      provider_id: event.providerId,
      input_tokens: event.inputTokens,
      output_tokens: event.outputTokens,
      cost_micros: Math.round(event.cost * 1_000_000),
      priced: event.priced ? 1 : 0,
      ttft_ms: event.ttftMs === null ? null : Math.round(event.ttftMs),
      duration_ms: Math.round(event.durationMs),
      outcome: event.outcome,
      error_code: event.errorCode,
      attempts: event.attempts,
      request_id: event.requestId,
    });
  }

  /**
   * Aggregates by user, team, model, assistant, surface (channel) or day, with totals: all usage
   * for a global `usage:read`, else that of the teams where the caller holds it (another team's is
   * a 404).
   * @throws AppError `resource.not_found`, `auth.forbidden`.
   */
  async report(query: UsageQuery, ctx: RequestContext): Promise<UsageReport> {
    const principal = requirePrincipal(ctx);
    let teamIds: string[] | undefined;
    if (query.teamId && !can(principal, "usage:read", query.teamId)) {
      if (!seesTeam(principal, query.teamId)) throw new AppError("team.not_found", `No team ${query.teamId}`);
      throw new AppError("auth.forbidden", "Reading this team's usage needs usage:read in it", {
        details: { permission: "usage:read" },
      });
    } else if (!query.teamId && !can(principal, "usage:read", null)) {
      const candidates = new Set([...principal.teams.keys(), boundTeam(principal) ?? ""]);
      teamIds = [...candidates].filter((id) => id !== "" && can(principal, "usage:read", id));
    }
    return this.#aggregate(query.groupBy, {
      ...(teamIds ? { teamIds } : {}),
      ...(query.from ? { from: Date.parse(query.from) } : {}),
      ...(query.to ? { to: Date.parse(query.to) } : {}),
      ...(query.userId ? { userId: query.userId } : {}),
      ...(query.teamId ? { teamId: query.teamId } : {}),
      ...(query.model ? { modelId: query.model } : {}),
    });
  }

  /**
   * The caller's own calls (every surface, their teams' conversations included), by day, channel,
   * assistant or model: what anyone signed in may read about themselves.
   * @example await usage.mine({ groupBy: "channel" }, ctx) // rows keyed chat, gateway, ...
   */
  async mine(query: MyUsageQuery, ctx: RequestContext): Promise<UsageReport> {
    const principal = requirePrincipal(ctx);
    return this.#aggregate(query.groupBy, {
      userId: principal.userId,
      ...(query.from ? { from: Date.parse(query.from) } : {}),
      ...(query.to ? { to: Date.parse(query.to) } : {}),
    });
  }

  async #aggregate(groupBy: UsageGroupBy, filter: UsageFilter): Promise<UsageReport> {
    const by = groupBy === "channel" ? "surface" : groupBy;
    const rows = await this.#repo.aggregate(by, filter);
    const keyOf = (r: UsageAggregate) =>
      by === "day"
        ? new Date(Number(r.key) * DAY_MS).toISOString().slice(0, 10)
        : r.key === null
          ? "none"
          : String(r.key);
    const named =
      by === "user" || by === "team" || by === "assistant"
        ? await this.#repo.labels(
            by,
            rows.flatMap((r) => (r.key === null ? [] : [String(r.key)])),
          )
        : new Map<string, string>();
    const labelOf = (key: string) =>
      named.get(key) ??
      (by === "surface"
        ? channelLabel(key)
        : key === "none"
          ? by === "team"
            ? "personal (no team)"
            : `no ${by}`
          : by === "user" || by === "assistant"
            ? `deleted ${by} ${key}`
            : key);
    const present = (r: UsageAggregate): UsageRow => ({
      key: keyOf(r),
      label: labelOf(keyOf(r)),
      requests: r.requests,
      failures: r.failures,
      inputTokens: r.input_tokens,
      outputTokens: r.output_tokens,
      cost: r.cost_micros / 1_000_000,
      unpricedRequests: r.unpriced,
      avgTtftMs: r.ttft_count > 0 && r.ttft_sum !== null ? Math.round(r.ttft_sum / r.ttft_count) : null,
      avgDurationMs: r.requests > 0 ? Math.round(r.duration_sum / r.requests) : 0,
    });
    const presented = rows.map(present);
    const sum = (f: (r: UsageAggregate) => number) => rows.reduce((a, r) => a + f(r), 0);
    const ttftCount = sum((r) => r.ttft_count);
    const requests = sum((r) => r.requests);
    return {
      groupBy,
      rows: presented,
      totals: {
        requests,
        failures: sum((r) => r.failures),
        inputTokens: sum((r) => r.input_tokens),
        outputTokens: sum((r) => r.output_tokens),
        cost: sum((r) => r.cost_micros) / 1_000_000,
        unpricedRequests: sum((r) => r.unpriced),
        avgTtftMs: ttftCount > 0 ? Math.round(sum((r) => r.ttft_sum ?? 0) / ttftCount) : null,
        avgDurationMs: requests > 0 ? Math.round(sum((r) => r.duration_sum) / requests) : 0,
      },
    };
  }
}

/** What people call each surface a call came from (usage rows' `surface`). */
const CHANNELS: Record<string, string> = {
  chat: "Web",
  gateway: "API",
  widget: "Widget",
  telegram: "Telegram",
  mcp: "MCP",
  guides: "Guides",
  ops: "Operations",
};

/**
 * The name of a channel (a usage row's surface), as reports show it; an unknown one as it is.
 * @example channelLabel("gateway") // "API"
 */
export function channelLabel(surface: string): string {
  return CHANNELS[surface] ?? surface;
}
