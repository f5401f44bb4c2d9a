import { Migrator, type Migration, type MigrationResult } from "kysely/migration";
import type { Database, DialectMigration } from "../platform/db/database.ts";

/** Every migration by name; names sort in the order they run (the modules' migrations, merged). */
export type MigrationSet = Readonly<Record<string, DialectMigration>>;

/** A migration run that did not finish; the database keeps the migrations that completed. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly results: MigrationResult[];
  constructor(message: string, results: MigrationResult[], cause: unknown) {
    super(message, { cause });
    this.results = results;
  }
}

function migratorFor(database: Database, migrations: MigrationSet): Migrator {
  const provider = {
    getMigrations: () => {
      const out: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        const down = m.down?.(database.dialect);
        out[name] = down ? { up: m.up(database.dialect), down } : { up: m.up(database.dialect) };
      }
      return Promise.resolve(out);
    },
  };
  return new Migrator({
    db: database.db,
    provider,
    migrationTableName: "parley_migration",
    migrationLockTableName: "parley_migration_lock",
  });
}

/**
 * Brings the schema to the latest version of `migrations`. Safe when several processes start at once: on
 * PostgreSQL the migrator holds an advisory lock, so each migration runs exactly once.
 * @returns the names of the migrations this call applied (empty when already current).
 */
export async function applyMigrations(database: Database, migrations: MigrationSet): Promise<string[]> {
  const { error, results = [] } = await database.exclusiveMigration(() =>
    migratorFor(database, migrations).migrateToLatest(),
  );
  if (error) {
    const failed = results.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    const reason = error instanceof Error ? error.message : JSON.stringify(error);
    throw new MigrationError(`migration ${failed} failed: ${reason}`, results, error);
  }
  return results.filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Every known migration with whether it has been applied, for `parley migrate --status`. */
export async function migrationStatusOf(
  database: Database,
  migrations: MigrationSet,
): Promise<{ name: string; executedAt?: Date }[]> {
  const list = await migratorFor(database, migrations).getMigrations();
  return list.map((m) => (m.executedAt ? { name: m.name, executedAt: m.executedAt } : { name: m.name }));
}
