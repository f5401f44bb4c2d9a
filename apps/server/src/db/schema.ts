/**
 * Kysely table types of every table. Timestamps are integers (ms since the Unix epoch) in both
 * dialects; see docs/adr/0002-query-layer.md.
 */
export interface InstanceTable {
  slot: number;
  id: string;
  created_at: number;
}

/** The database as the query layer sees it. */
export interface Tables {
  instance: InstanceTable;
}
