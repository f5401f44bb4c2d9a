import { applyMigrations, migrationStatusOf, type MigrationSet } from "../db/migrate.ts";
import type { Database } from "../platform/db/database.ts";
import { MODULES } from "./modules.ts";

/**
 * Every module's migrations in one set, by name (names sort in the order they run).
 * @throws Error when two modules declare a migration of the same name.
 */
export function allMigrations(
  manifests: readonly { name: string; migrations: MigrationSet }[] = MODULES,
): MigrationSet {
  const all: Record<string, MigrationSet[string]> = {};
  for (const manifest of manifests) {
    for (const [name, migration] of Object.entries(manifest.migrations)) {
      if (name in all) throw new Error(`migration ${name} is declared twice (again by ${manifest.name})`);
      all[name] = migration;
    }
  }
  return all;
}

/**
 * Brings the schema to the latest version of every module. Safe when several processes start at
 * once (see `applyMigrations`).
 * @returns the names of the migrations this call applied (empty when already current).
 */
export function migrateToLatest(database: Database): Promise<string[]> {
  return applyMigrations(database, allMigrations());
}

/** Every known migration with whether it has been applied, for `parley migrate --status`. */
export function migrationStatus(database: Database): Promise<{ name: string; executedAt?: Date }[]> {
  return migrationStatusOf(database, allMigrations());
}
