/** A guide: a team's markdown document whose checkboxes are its tasks. */
export interface GuidesTable {
  id: string;
  team_id: string;
  project_id: string | null;
  title: string;
  description: string;
  content: string;
  /** The status shown: `status_set` when someone set one, else derived from the tasks. */
  status: string;
  /** The status someone set; null lets the tasks decide. */
  status_set: string | null;
  owner_id: string | null;
  /** Raised by every change (optimistic concurrency, and the order of its events). */
  version: number;
  tasks_done: number;
  tasks_total: number;
  template_id: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
  /** SQLite: the guide's row in `guides_fts` (assigned on insert); null on PostgreSQL. */
  search_rowid: number | null;
}

/** A guide's tags, one row each. */
export interface GuideTagsTable {
  guide_id: string;
  tag: string;
}

/** A checkbox of a guide's markdown, in document order, with its history and estimate. */
export interface GuideTasksTable {
  id: string;
  guide_id: string;
  /** Its index among the guide's tasks. */
  position: number;
  text: string;
  depth: number;
  parent_id: string | null;
  /** JSON array of the headings above it. */
  section: string;
  line: number;
  /** Ticked in the markdown. */
  done: number | boolean;
  started_at: number | null;
  completed_at: number | null;
  completed_by: string | null;
  estimate_minutes: number | null;
  estimate_low: number | null;
  estimate_high: number | null;
}

/** A team's own guide template. */
export interface GuideTemplatesTable {
  id: string;
  team_id: string;
  name: string;
  description: string;
  title: string;
  content: string;
  /** JSON array of `GuideTemplateVariable`. */
  variables: string;
  /** JSON array of tags the guides made from it get. */
  tags: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** Kysely types of the guides module's tables. */
export interface GuidesTables {
  guides: GuidesTable;
  guide_tags: GuideTagsTable;
  guide_tasks: GuideTasksTable;
  guide_templates: GuideTemplatesTable;
}
