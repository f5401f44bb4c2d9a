import type { Practice, PracticeVersion } from "@parley/contracts";
import { iso } from "../../kernel/ids.ts";
import type { CurrentPracticeRow, PracticeVersionRow } from "./practices.repository.ts";

/** The API's view of a practice with its current version's body. */
export function toPractice(row: CurrentPracticeRow): Practice {
  return {
    id: row.id,
    teamId: row.team_id,
    projectId: row.project_id,
    title: row.title,
    body: row.body,
    position: row.position,
    currentVersion: row.current_version,
    enabled: Boolean(row.enabled),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toPracticeVersion(row: PracticeVersionRow): PracticeVersion {
  return {
    practiceId: row.practice_id,
    version: row.version,
    title: row.title,
    body: row.body,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}
