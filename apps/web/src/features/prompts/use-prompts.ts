import type {
  LabelChangeRequest,
  Page,
  Prompt,
  PromptDiff,
  PromptStats,
  PromptVersion,
} from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../api.ts";

/** Query keys of the prompts screens (invalidate `prompts` after any change). */
export const promptKeys = {
  all: ["prompts"] as const,
  one: (id: string) => ["prompts", id] as const,
  versions: (id: string) => ["prompts", id, "versions"] as const,
  diff: (id: string, from: number, to: number) => ["prompts", id, "diff", from, to] as const,
  stats: (id: string) => ["prompts", id, "stats"] as const,
  requests: ["prompts", "requests"] as const,
};

export function usePromptList() {
  return useQuery({
    queryKey: promptKeys.all,
    queryFn: () => api<Page<Prompt>>("/api/v1/prompts?limit=100"),
  });
}

export function usePrompt(id: string | undefined) {
  return useQuery({
    queryKey: promptKeys.one(id ?? ""),
    queryFn: () => api<Prompt>(`/api/v1/prompts/${id ?? ""}`),
    enabled: id !== undefined,
    retry: false,
  });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: promptKeys.versions(id),
    queryFn: () => api<{ items: PromptVersion[] }>(`/api/v1/prompts/${id}/versions`),
  });
}

export function useDiff(id: string, from: number, to: number) {
  return useQuery({
    queryKey: promptKeys.diff(id, from, to),
    queryFn: () => api<PromptDiff>(`/api/v1/prompts/${id}/diff?from=${from}&to=${to}`),
    enabled: from !== to,
  });
}

export function useStats(id: string) {
  return useQuery({
    queryKey: promptKeys.stats(id),
    queryFn: () => api<PromptStats>(`/api/v1/prompts/${id}/stats`),
  });
}

export function useRequests() {
  return useQuery({
    queryKey: promptKeys.requests,
    queryFn: () => api<{ items: LabelChangeRequest[] }>("/api/v1/prompt-label-requests"),
  });
}
