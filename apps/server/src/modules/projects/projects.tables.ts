/** A team's software project. */
export interface ProjectsTable {
  id: string;
  team_id: string;
  name: string;
  /** From the name; unique within the team. */
  slug: string;
  description: string;
  repository_url: string | null;
  /** Null once its creator's account is deleted. */
  created_by: string | null;
  created_at: number;
  updated_at: number;
  /** Set while archived. */
  archived_at: number | null;
}

/** Kysely types of the projects module's tables. */
export interface ProjectsTables {
  projects: ProjectsTable;
}
