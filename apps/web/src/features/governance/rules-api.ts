import type {
  CreateRuleRequest,
  DryRunRequest,
  DryRunResult,
  GovernanceRule,
  GovernanceRuleVersion,
  ItemList,
  Page,
  UpdateRuleRequest,
} from "@parley/contracts";
import { api } from "../../api.ts";

const BASE = "/api/v1/governance/rules";

/** The query keys of rules, so every screen invalidates the same ones. */
export const ruleKeys = {
  all: ["governance-rules"] as const,
  list: (teamId: string) => ["governance-rules", "list", teamId] as const,
  one: (id: string) => ["governance-rules", "one", id] as const,
  versions: (id: string) => ["governance-rules", "versions", id] as const,
};

/** The typed calls of the rules API (`/api/v1/governance`). */
export const rulesApi = {
  list: (teamId: string, cursor: string) =>
    api<Page<GovernanceRule>>(
      `${BASE}?limit=100${teamId ? `&teamId=${encodeURIComponent(teamId)}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    ),
  get: (id: string) => api<GovernanceRule>(`${BASE}/${encodeURIComponent(id)}`),
  create: (body: CreateRuleRequest) => api<GovernanceRule>(BASE, { method: "POST", body }),
  update: (id: string, body: UpdateRuleRequest) =>
    api<GovernanceRule>(`${BASE}/${encodeURIComponent(id)}`, { method: "PUT", body }),
  setEnabled: (id: string, enabled: boolean) =>
    api<GovernanceRule>(`${BASE}/${encodeURIComponent(id)}`, { method: "PATCH", body: { enabled } }),
  remove: (id: string) => api<undefined>(`${BASE}/${encodeURIComponent(id)}`, { method: "DELETE" }),
  versions: (id: string) =>
    api<ItemList<GovernanceRuleVersion>>(`${BASE}/${encodeURIComponent(id)}/versions`),
  dryRun: (body: DryRunRequest) => api<DryRunResult>("/api/v1/governance/dry-run", { method: "POST", body }),
};
