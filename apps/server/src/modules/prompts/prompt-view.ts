import {
  LabelTarget,
  PromptContent,
  type LabelChangeRequest,
  type Prompt,
  type PromptKind,
  type PromptLabel,
  type PromptVersion,
} from "@parley/contracts";
import { z } from "zod";
import { fromJson } from "../../db/json.ts";
import { iso } from "../../kernel/ids.ts";
import type { LabelRequestRow } from "./prompt-activity.repository.ts";
import type { LabelRow, PromptRow, PromptVersionRow } from "./prompts.repository.ts";

const Split = z.array(LabelTarget);

/** A stored content, parsed again (it was validated when saved). */
export function contentOf(version: Pick<PromptVersionRow, "content">): PromptContent {
  return PromptContent.parse(fromJson(version.content));
}

/** A stored split (validated when saved). */
export function splitOf(stored: unknown): LabelTarget[] {
  return Split.parse(fromJson(stored));
}

export function toLabel(row: LabelRow): PromptLabel {
  return {
    label: row.label,
    versions: splitOf(row.split),
    protected: Boolean(row.protected),
    updatedBy: row.updated_by,
    updatedAt: iso(row.updated_at),
  };
}

/** The API's view of a prompt with its current version and labels. */
export function toPrompt(row: PromptRow, current: PromptVersionRow, labels: readonly LabelRow[]): Prompt {
  return {
    id: row.id,
    teamId: row.team_id,
    kind: row.kind as PromptKind,
    slug: row.slug,
    name: row.name,
    description: row.description,
    currentVersion: row.current_version,
    content: contentOf(current),
    labels: labels.map(toLabel),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toVersion(row: PromptVersionRow): PromptVersion {
  return {
    promptId: row.prompt_id,
    version: row.version,
    name: row.name,
    description: row.description,
    content: contentOf(row),
    note: row.note,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

export function toRequest(row: LabelRequestRow): LabelChangeRequest {
  return {
    id: row.id,
    promptId: row.prompt_id,
    teamId: row.team_id,
    label: row.label,
    versions: row.split === null ? null : splitOf(row.split),
    protected: row.protected === null ? null : Boolean(row.protected),
    status: row.status as LabelChangeRequest["status"],
    requestedBy: row.requested_by,
    requestedWithKey: row.requested_with_key,
    requestReason: row.request_reason,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    decidedAt: iso(row.decided_at),
    createdAt: iso(row.created_at),
  };
}
