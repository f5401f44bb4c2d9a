import type {
  ApiKey,
  Assistant,
  BudgetScopeKind,
  ItemList,
  Me,
  Page,
  TelegramBot,
  User,
  Widget,
} from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";

/** One thing a budget may be set on, by name. */
export interface ScopeChoice {
  id: string;
  label: string;
}

/** The things of one kind the caller may budget, once listed; `error` when the list failed. */
export interface ScopeChoices {
  items: readonly ScopeChoice[];
  pending: boolean;
  error: unknown;
}

/** What each kind's picker says when there is nothing of it to budget. */
export const EMPTY_SCOPES: Record<BudgetScopeKind, string> = {
  team: "No team whose budgets you manage.",
  user: "No people yet.",
  assistant: "No team assistants yet — create one on the Assistants page.",
  widget: "No widgets yet — publish one on an assistant's page.",
  bot: "No Telegram bots yet — connect one on an assistant's page.",
  api_key: "No team API keys of yours — create one bound to a team on your Account page.",
};

/**
 * The teams, people, assistants, widgets, Telegram bots and API keys the signed-in admin may set
 * budgets on, by name, from the lists the app reads elsewhere; and every listed one's name for
 * the budget list (`kind:id` → name). A global admin may budget anything listed to them (people
 * included); a team's admin only what belongs to a team they administer (the server answers
 * `budget.scope_not_found` for the rest). The lists answer what the caller sees: their teams'
 * widgets and bots, their own API keys.
 */
export function useBudgetScopes(me: Me): {
  choices: (kind: BudgetScopeKind) => ScopeChoices;
  names: ReadonlyMap<string, string>;
} {
  const global = me.user.globalRole === "admin";
  const held = new Set(me.permissions);
  const teams = useQuery({
    queryKey: ["teams"],
    queryFn: () => api<ItemList<{ id: string; name: string }>>("/api/v1/teams?limit=200"),
  });
  const users = useQuery({
    queryKey: ["users", "names"],
    queryFn: () => api<Page<User>>("/api/v1/users?limit=200"),
    enabled: held.has("users:read"),
  });
  const assistants = useQuery({
    queryKey: ["assistants"],
    queryFn: () => api<Page<Assistant>>("/api/v1/assistants?limit=200"),
    enabled: held.has("assistants:read"),
  });
  const widgets = useQuery({
    queryKey: ["widgets"],
    queryFn: () => api<ItemList<Widget>>("/api/v1/widgets"),
    enabled: held.has("widgets:read"),
  });
  const bots = useQuery({
    queryKey: ["telegram-bots"],
    queryFn: () => api<ItemList<TelegramBot>>("/api/v1/telegram-bots"),
    enabled: held.has("telegram:read"),
  });
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: () => api<ItemList<ApiKey>>("/api/v1/api-keys"),
    enabled: held.has("api-keys:manage"),
  });

  const teamNames = new Map((teams.data?.items ?? me.teams).map((t) => [t.id, t.name]));
  // A team's admins manage its budgets (budgets:manage is an admin's team permission).
  const managed = new Set(me.teams.filter((t) => t.role === "admin").map((t) => t.id));
  const mayBudget = (teamId: string | null) => (global ? true : teamId !== null && managed.has(teamId));
  const ofTeam = (teamId: string | null) => {
    const name = teamId === null ? null : teamNames.get(teamId);
    return name ? ` — ${name}` : teamId === null ? " (personal)" : "";
  };

  const listed: Record<BudgetScopeKind, { items: ScopeChoice[]; pending: boolean; error: unknown }> = {
    team: {
      items: [...teamNames].filter(([id]) => mayBudget(id)).map(([id, name]) => ({ id, label: name })),
      pending: teams.isPending && me.teams.length === 0,
      error: null,
    },
    user: {
      items: global
        ? [
            { id: me.user.id, label: `${me.user.name} (you)` },
            ...(users.data?.items ?? [])
              .filter((u) => u.id !== me.user.id)
              .map((u) => ({ id: u.id, label: `${u.name} <${u.email}>` })),
          ]
        : [],
      pending: held.has("users:read") && users.isPending,
      error: users.error,
    },
    assistant: {
      items: (assistants.data?.items ?? [])
        .filter((a) => mayBudget(a.teamId))
        .map((a) => ({ id: a.id, label: `${a.name}${ofTeam(a.teamId)}` })),
      pending: held.has("assistants:read") && assistants.isPending,
      error: assistants.error,
    },
    widget: {
      items: (widgets.data?.items ?? [])
        .filter((w) => mayBudget(w.teamId))
        .map((w) => ({ id: w.id, label: `${w.name}${ofTeam(w.teamId)}` })),
      pending: held.has("widgets:read") && widgets.isPending,
      error: widgets.error,
    },
    bot: {
      items: (bots.data?.items ?? [])
        .filter((b) => mayBudget(b.teamId))
        .map((b) => ({ id: b.id, label: `@${b.username}${ofTeam(b.teamId)}` })),
      pending: held.has("telegram:read") && bots.isPending,
      error: bots.error,
    },
    api_key: {
      items: (keys.data?.items ?? [])
        .filter((k) => k.revokedAt === null && mayBudget(k.teamId))
        .map((k) => ({ id: k.id, label: `${k.name} (${k.prefix}…)${ofTeam(k.teamId)}` })),
      pending: held.has("api-keys:manage") && keys.isPending,
      error: keys.error,
    },
  };

  // Names for the budget list: whatever is listed, budgetable or not (a revoked key keeps its budget).
  const names = new Map<string, string>([
    ...[...teamNames].map(([id, name]) => [`team:${id}`, name] as const),
    ...(users.data?.items ?? []).map((u) => [`user:${u.id}`, `${u.name} <${u.email}>`] as const),
    [`user:${me.user.id}`, `${me.user.name} (you)`],
    ...(assistants.data?.items ?? []).map((a) => [`assistant:${a.id}`, a.name] as const),
    ...(widgets.data?.items ?? []).map((w) => [`widget:${w.id}`, `${w.name}${ofTeam(w.teamId)}`] as const),
    ...(bots.data?.items ?? []).map((b) => [`bot:${b.id}`, `@${b.username}`] as const),
    ...(keys.data?.items ?? []).map((k) => [`api_key:${k.id}`, `${k.name} (${k.prefix}…)`] as const),
  ]);
  return { choices: (kind) => listed[kind], names };
}
