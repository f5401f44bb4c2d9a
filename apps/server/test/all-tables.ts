import type { Kysely } from "kysely";
import type { AssistantsTables } from "../src/modules/assistants/index.ts";
import type { AuditTables } from "../src/modules/audit/index.ts";
import type { BillingTables } from "../src/modules/billing/index.ts";
import type { ChatTables } from "../src/modules/chat/index.ts";
import type { GovernanceTables } from "../src/modules/governance/index.ts";
import type { GuidesTables } from "../src/modules/guides/index.ts";
import type { IdentityTables } from "../src/modules/identity/index.ts";
import type { KnowledgeTables } from "../src/modules/knowledge/index.ts";
import type { PracticesTables } from "../src/modules/practices/index.ts";
import type { ProjectsTables } from "../src/modules/projects/index.ts";
import type { PromptsTables } from "../src/modules/prompts/index.ts";
import type { ProvidersTables } from "../src/modules/providers/index.ts";
import type { TelegramTables } from "../src/modules/telegram/index.ts";
import type { UsageTables } from "../src/modules/usage/index.ts";
import type { WidgetsTables } from "../src/modules/widgets/index.ts";
import { tablesOf, type Database, type PlatformTables } from "../src/platform/db/database.ts";

/** Every table, for tests that set up or inspect rows across modules. */
export type AllTables = PlatformTables &
  AssistantsTables &
  AuditTables &
  BillingTables &
  ChatTables &
  GovernanceTables &
  GuidesTables &
  IdentityTables &
  KnowledgeTables &
  PracticesTables &
  ProjectsTables &
  PromptsTables &
  ProvidersTables &
  TelegramTables &
  UsageTables &
  WidgetsTables;

/** The database typed with every module's tables (tests only: modules see their own). */
export function allTables(database: Pick<Database, "db">): Kysely<AllTables> {
  return tablesOf<AllTables>(database.db);
}
