/** A practice of a team or of one of its projects; its title and body live in its versions. */
export interface PracticesTable {
  id: string;
  team_id: string;
  /** Null: team-wide. */
  project_id: string | null;
  /** The current version's title, for lists. */
  title: string;
  /** Ascending within its scope (team-wide, or one project); ties by creation. */
  position: number;
  current_version: number;
  /** 1 or 0 on SQLite, a boolean on PostgreSQL: read with `Boolean()`. */
  enabled: number | boolean;
  /** Null once its creator's account is deleted. */
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One immutable version of a practice: inserted, never updated. */
export interface PracticeVersionsTable {
  practice_id: string;
  version: number;
  title: string;
  /** Markdown. */
  body: string;
  created_by: string | null;
  created_at: number;
}

/** Kysely types of the practices module's tables. */
export interface PracticesTables {
  practices: PracticesTable;
  practice_versions: PracticeVersionsTable;
}
