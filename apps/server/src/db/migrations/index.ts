import type { Kysely } from "kysely";
import type { MigrationDialect } from "../migration-helpers.ts";
import * as instance from "./2026-11-22T1200-instance.ts";
import * as identity from "./2026-11-22T1300-identity.ts";
import * as audit from "./2026-11-22T1310-audit.ts";
import * as providers from "./2026-11-22T1400-providers.ts";
import * as usage from "./2026-11-22T1410-usage.ts";
import * as chat from "./2026-11-22T1500-chat.ts";
import * as messageReplacement from "./2026-11-30T1000-message-replacement.ts";
import * as setupClaim from "./2026-12-05T2240-setup-claim.ts";
import * as auditHead from "./2026-12-05T2300-audit-head.ts";

/** A migration, written once for both dialects. Landed migrations are never edited. */
export interface DialectMigration {
  up(dialect: MigrationDialect): (db: Kysely<unknown>) => Promise<void>;
  down?(dialect: MigrationDialect): (db: Kysely<unknown>) => Promise<void>;
}

/** Every migration by name; names sort in the order they run. */
export const migrations: Record<string, DialectMigration> = {
  "2026-11-22T1200-instance": instance,
  "2026-11-22T1300-identity": identity,
  "2026-11-22T1310-audit": audit,
  "2026-11-22T1400-providers": providers,
  "2026-11-22T1410-usage": usage,
  "2026-11-22T1500-chat": chat,
  "2026-11-30T1000-message-replacement": messageReplacement,
  "2026-12-05T2240-setup-claim": setupClaim,
  "2026-12-05T2300-audit-head": auditHead,
};
