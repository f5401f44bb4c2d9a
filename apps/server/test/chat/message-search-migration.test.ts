import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { allMigrations } from "../../src/app/migrations.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { MessageSearchRepository } from "../../src/modules/chat/message-search.repository.ts";
import { openDatabase, type Database } from "../../src/platform/db/database.ts";
import { allTables } from "../all-tables.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { buildMessage } from "./chat-factories.ts";

const SEARCH_MIGRATION = "2026-12-09T1400-message-search";

describe.each(["sqlite", "postgres"] as const)("the message-search migration on %s", (dialect) => {
  let pgdb: TestPostgres | undefined;
  let database: Database;
  afterAll(async () => {
    await database.close();
    await pgdb?.drop();
  });

  it("indexes the messages already there (current and finished only), then follows new ones", async () => {
    pgdb = dialect === "postgres" ? await createTestPostgres() : undefined;
    database = pgdb
      ? openDatabase({ dialect: "postgres", url: pgdb.url, poolSize: 2 })
      : openDatabase({
          dialect: "sqlite",
          file: join(mkdtempSync(join(tmpdir(), "parley-search-")), "p.db"),
        });
    const all = allMigrations();
    const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < SEARCH_MIGRATION));
    await applyMigrations(database, before);

    const db = allTables(database);
    const userId = randomUUID();
    const now = Date.now();
    await db
      .insertInto("users")
      .values({
        id: userId,
        email: `${userId}@parley.test`,
        name: "Before",
        password_hash: null,
        global_role: "developer",
        status: "active",
        created_at: now,
        updated_at: now,
        last_login_at: null,
      })
      .execute();
    const conversation = randomUUID();
    await db
      .insertInto("conversations")
      .values({
        id: conversation,
        user_id: userId,
        team_id: null,
        title: "t",
        created_at: now,
        updated_at: now,
      })
      .execute();
    const message = (position: number, fields: Parameters<typeof buildMessage>[0]) =>
      buildMessage({ ...fields, position, created_at: now + position });
    const kept = message(0, { conversation_id: conversation, content: "the ibex before the upgrade" });
    const replaced = message(1, {
      conversation_id: conversation,
      content: "a replaced ibex",
      replaced_at: now,
    });
    const streaming = message(2, {
      conversation_id: conversation,
      content: "a streaming ibex",
      role: "assistant",
      status: "streaming",
    });
    await db.insertInto("messages").values([kept, replaced, streaming]).execute();

    await applyMigrations(database, all);
    const search = new MessageSearchRepository(database);
    const scope = { userId, teamIds: [] };
    const found = async (word: string) =>
      (await search.search([word], scope, 0, 10)).map((r) => r.message_id).sort();
    expect(await found("ibex")).toEqual([kept.id]);

    // The streaming answer ends; a new message arrives; the replaced one comes back.
    await db.updateTable("messages").set({ status: "completed" }).where("id", "=", streaming.id).execute();
    const later = message(3, { conversation_id: conversation, content: "ibex after the upgrade" });
    await db.insertInto("messages").values(later).execute();
    await db.updateTable("messages").set({ replaced_at: null }).where("id", "=", replaced.id).execute();
    expect(await found("ibex")).toEqual([kept.id, replaced.id, streaming.id, later.id].sort());
    expect(await found("upgrade")).toEqual([kept.id, later.id].sort());
  });
});
