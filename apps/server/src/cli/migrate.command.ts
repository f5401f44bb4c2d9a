import { join } from "node:path";
import type { Config } from "../config/config.ts";
import { migrateToLatest, migrationStatus } from "../app/migrations.ts";
import { lockDataDir } from "../platform/data-dir-lock.ts";
import { openDatabase } from "../platform/db/database.ts";

/** `parley migrate`: applies pending migrations, or lists them with `--status`. */
export async function migrateCommand(config: Config, options: { statusOnly: boolean }): Promise<number> {
  const release = config.databaseUrl ? undefined : await lockDataDir(config.dataDir);
  const database = openDatabase(
    config.databaseUrl
      ? { dialect: "postgres", url: config.databaseUrl, poolSize: 2 }
      : { dialect: "sqlite", file: join(config.dataDir, "parley.db") },
  );
  try {
    if (!options.statusOnly) {
      const applied = await migrateToLatest(database);
      process.stdout.write(
        applied.length === 0
          ? "database is up to date\n"
          : `applied ${applied.length}: ${applied.join(", ")}\n`,
      );
    }
    for (const m of await migrationStatus(database)) {
      process.stdout.write(
        `${m.executedAt ? "applied" : "pending"}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ""}\n`,
      );
    }
    return 0;
  } finally {
    await database.close();
    await release?.();
  }
}
