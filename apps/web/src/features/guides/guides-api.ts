import type {
  CreateGuideRequest,
  CreateGuideTemplateRequest,
  DraftGuideRequest,
  DraftGuideResponse,
  EstimateReport,
  Guide,
  GuideStatus,
  GuideSummary,
  GuideTemplate,
  Page,
  UpdateGuideRequest,
} from "@parley/contracts";
import { api } from "../../api.ts";
import { draftEstimate } from "./guide-progress.ts";
import type { TaskChange } from "./guide-tasks.ts";

/** What the guides list is filtered by. */
export interface GuideFilters {
  status?: GuideStatus | undefined;
  tag?: string | undefined;
  projectId?: string | undefined;
  q?: string | undefined;
  includeArchived?: boolean | undefined;
}

/** Query keys of the area: every list of a team shares the `["guides", teamId]` prefix. */
export const guideKeys = {
  lists: (teamId: string) => ["guides", teamId] as const,
  list: (teamId: string, filters: GuideFilters) => ["guides", teamId, filters] as const,
  one: (id: string) => ["guide", id] as const,
  templates: (teamId: string) => ["guide-templates", teamId] as const,
  report: (teamId: string) => ["guide-estimate-report", teamId] as const,
};

const PAGE_SIZE = 24;

/** One page of a team's guides, newest change first. */
export function listGuides(
  teamId: string,
  filters: GuideFilters,
  cursor?: string,
): Promise<Page<GuideSummary>> {
  const query = new URLSearchParams({ teamId, limit: String(PAGE_SIZE) });
  if (filters.status) query.set("status", filters.status);
  if (filters.tag) query.set("tag", filters.tag);
  if (filters.projectId) query.set("projectId", filters.projectId);
  if (filters.q) query.set("q", filters.q);
  if (filters.includeArchived) query.set("includeArchived", "true");
  if (cursor) query.set("cursor", cursor);
  return api<Page<GuideSummary>>(`/api/v1/guides?${query.toString()}`);
}

export const getGuide = (id: string) => api<Guide>(`/api/v1/guides/${encodeURIComponent(id)}`);

export const createGuide = (body: CreateGuideRequest) =>
  api<Guide>("/api/v1/guides", { method: "POST", body });

export const updateGuide = (id: string, body: UpdateGuideRequest) =>
  api<Guide>(`/api/v1/guides/${encodeURIComponent(id)}`, { method: "PATCH", body });

export const deleteGuide = (id: string) =>
  api<undefined>(`/api/v1/guides/${encodeURIComponent(id)}`, { method: "DELETE" });

export const changeTask = (guideId: string, taskId: string, change: TaskChange) =>
  api<Guide>(`/api/v1/guides/${encodeURIComponent(guideId)}/tasks/${encodeURIComponent(taskId)}`, {
    method: "PATCH",
    body: change,
  });

export const estimateGuide = (id: string) =>
  api<Guide>(`/api/v1/guides/${encodeURIComponent(id)}/estimate`, { method: "POST", body: {} });

export const draftGuide = (body: DraftGuideRequest) =>
  api<DraftGuideResponse>("/api/v1/guides/draft", { method: "POST", body });

export const estimateReport = (teamId: string) =>
  api<EstimateReport>(`/api/v1/guides/estimate-report?teamId=${encodeURIComponent(teamId)}`);

export const listTemplates = (teamId: string) =>
  api<{ items: GuideTemplate[] }>(`/api/v1/guide-templates?teamId=${encodeURIComponent(teamId)}`);

export const createTemplate = (body: CreateGuideTemplateRequest) =>
  api<GuideTemplate>("/api/v1/guide-templates", { method: "POST", body });

export const deleteTemplate = (id: string) =>
  api<undefined>(`/api/v1/guide-templates/${encodeURIComponent(id)}`, { method: "DELETE" });

/**
 * Creates the guide a person reviewed from an AI draft in one call: its markdown and each task's
 * estimate as shown (tasks follow the draft's order). Asking the model again with `create: true`
 * could store a different draft from the one on the screen.
 */
export function createFromDraft(teamId: string, drafted: DraftGuideResponse): Promise<Guide> {
  return createGuide({
    teamId,
    title: drafted.draft.title,
    description: drafted.draft.description,
    content: drafted.markdown,
    estimates: drafted.draft.sections.flatMap((s) => s.tasks).map(draftEstimate),
  });
}
