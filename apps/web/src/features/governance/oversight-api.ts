import type {
  ApprovalStatus,
  DecisionAction,
  DecisionSummary,
  GovernanceApproval,
  GovernanceDecision,
  Page,
  RuleSurface,
  RuleTier,
} from "@parley/contracts";
import { api } from "../../api.ts";

const BASE = "/api/v1/governance";

/** What the decisions list is filtered by; empty strings are no filter. */
export interface DecisionFilters {
  teamId: string;
  ruleId: string;
  action: DecisionAction | "";
  tier: RuleTier | "";
  surface: RuleSurface | "";
  /** Days, `YYYY-MM-DD` (UTC), both included. */
  from: string;
  to: string;
}

/** A query string of the set values, `?a=1&b=2`, or "". */
function query(params: Record<string, string | undefined>): string {
  const set = Object.entries(params).filter((e): e is [string, string] => Boolean(e[1]));
  return set.length ? `?${new URLSearchParams(set).toString()}` : "";
}

/** A day's start, or with `end` the last millisecond of it, as the API's datetimes. */
export function dayBound(day: string, end = false): string | undefined {
  return day ? `${day}T${end ? "23:59:59.999" : "00:00:00.000"}Z` : undefined;
}

/** The query keys of approvals and decisions, so a decision invalidates both. */
export const oversightKeys = {
  approvals: ["governance-approvals"] as const,
  approvalList: (status: "pending" | "decided", teamId: string) =>
    ["governance-approvals", status, teamId] as const,
  decisions: ["governance-decisions"] as const,
  decisionList: (f: DecisionFilters) => ["governance-decisions", "list", f] as const,
  summary: (teamId: string, from: string, to: string) =>
    ["governance-decisions", "summary", teamId, from, to] as const,
};

/** The typed calls of the approvals and decisions API. */
export const oversightApi = {
  approvals: (status: ApprovalStatus | "", teamId: string, cursor: string) =>
    api<Page<GovernanceApproval>>(
      `${BASE}/approvals${query({ status: status || undefined, teamId: teamId || undefined, cursor: cursor || undefined, limit: "50" })}`,
    ),
  approve: (id: string, reason: string) =>
    api<GovernanceApproval>(`${BASE}/approvals/${encodeURIComponent(id)}/approve`, {
      method: "POST",
      body: reason ? { reason } : {},
    }),
  deny: (id: string, reason: string) =>
    api<GovernanceApproval>(`${BASE}/approvals/${encodeURIComponent(id)}/deny`, {
      method: "POST",
      body: { reason },
    }),
  decisions: (f: DecisionFilters, cursor: string) =>
    api<Page<GovernanceDecision>>(
      `${BASE}/decisions${query({
        teamId: f.teamId || undefined,
        ruleId: f.ruleId || undefined,
        action: f.action || undefined,
        tier: f.tier || undefined,
        surface: f.surface || undefined,
        from: dayBound(f.from),
        to: dayBound(f.to, true),
        cursor: cursor || undefined,
        limit: "50",
      })}`,
    ),
  summary: (teamId: string, from: string, to: string) =>
    api<DecisionSummary>(
      `${BASE}/decisions/summary${query({ teamId: teamId || undefined, from: dayBound(from), to: dayBound(to, true) })}`,
    ),
};
