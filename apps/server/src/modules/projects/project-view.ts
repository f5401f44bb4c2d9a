import type { Project } from "@parley/contracts";
import { iso } from "../../kernel/ids.ts";
import type { ProjectRow } from "./projects.repository.ts";

/** The API's view of a stored project. */
export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    teamId: row.team_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    repositoryUrl: row.repository_url,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    archivedAt: iso(row.archived_at),
  };
}
