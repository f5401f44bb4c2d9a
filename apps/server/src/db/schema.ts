import type { AuditTables } from "../modules/audit/audit.tables.ts";
import type { IdentityTables } from "../modules/identity/identity.tables.ts";
import type { ProvidersTables } from "../modules/providers/providers.tables.ts";
import type { UsageTables } from "../modules/usage/usage.tables.ts";
import type { ChatTables } from "../modules/chat/chat.tables.ts";

/**
 * Kysely table types of every table. Timestamps are integers (ms since the Unix epoch) in both
 * dialects; see docs/adr/0002-query-layer.md.
 */
export interface InstanceTable {
  slot: number;
  id: string;
  created_at: number;
}

/** The database as the query layer sees it: platform tables plus each module's. */
export interface Tables extends AuditTables, IdentityTables, UsageTables, ProvidersTables, ChatTables {
  instance: InstanceTable;
}
