import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { Permission } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { allMigrations, migrateToLatest } from "./migrations.ts";
import { openDatabase } from "../platform/db/database.ts";
import { MODULES } from "./modules.ts";

describe("the module list", () => {
  it("builds every module after the modules it needs", () => {
    const seen = new Set<string>();
    for (const manifest of MODULES) {
      expect(
        manifest.needs.filter((name) => !seen.has(name)),
        manifest.name,
      ).toEqual([]);
      seen.add(manifest.name);
    }
  });

  it("refuses two modules declaring a migration of the same name", () => {
    const migration = { up: () => () => Promise.resolve() };
    expect(() =>
      allMigrations([
        { name: "a", migrations: { "2026-01-01T0000-x": migration } },
        { name: "b", migrations: { "2026-01-01T0000-x": migration } },
      ]),
    ).toThrow(/declared twice/);
  });

  it("gives every table the migrations create exactly one owning module", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parley-modules-"));
    const database = openDatabase({ dialect: "sqlite", file: join(dir, "parley.db") });
    try {
      await migrateToLatest(database);
      const { rows } = await sql<{ name: string }>`
        select name from sqlite_master where type = 'table'
          and name not like 'sqlite_%' and name not like 'parley_migration%'`.execute(database.db);
      const owned = MODULES.flatMap((m) => m.tables);
      expect(new Set(owned).size).toBe(owned.length);
      expect([...owned].sort()).toEqual(rows.map((r) => r.name).sort());
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives every bus topic one owning module and a name no other topic has", () => {
    const names = MODULES.flatMap((m) =>
      Object.values(m.topics).map((topic) => (typeof topic === "function" ? topic().name : topic.name)),
    );
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });

  it("has every permission declared by the module whose routes check it", () => {
    const declared = new Set(MODULES.flatMap((m) => m.permissions));
    expect(Permission.options.filter((p) => !declared.has(p))).toEqual([]);
  });
});
