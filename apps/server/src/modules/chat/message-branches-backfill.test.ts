import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables, type AllTables } from "../../../test/all-tables.ts";
import { buildMessage } from "../../../test/chat/chat-factories.ts";
import { createTestPostgres, type TestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import { backfillParents } from "./migrations/2026-12-09T0100-message-branches.ts";

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`the parents of messages stored before branches (${dialect})`, () => {
    let database: Database;
    let pgdb: TestPostgres | null = null;
    let db: Kysely<AllTables>;
    beforeAll(async () => {
      pgdb = dialect === "postgres" ? await createTestPostgres() : null;
      database = openDatabase(
        pgdb
          ? { dialect: "postgres", url: pgdb.url, poolSize: 2 }
          : { dialect: "sqlite", file: join(mkdtempSync(join(tmpdir(), "parley-backfill-")), "b.db") },
      );
      await migrateToLatest(database);
      db = allTables(database);
    });
    afterAll(async () => {
      await database.close();
      await pgdb?.drop();
    });

    it("follow the path each message was created on, through regenerations and edits", async () => {
      const now = Date.now();
      const userId = randomUUID();
      await db
        .insertInto("users")
        .values({
          id: userId,
          email: `${userId}@parley.test`,
          name: "Legacy",
          password_hash: null,
          global_role: "developer",
          status: "active",
          created_at: now,
          updated_at: now,
          last_login_at: null,
        })
        .execute();
      const conversationId = randomUUID();
      await db
        .insertInto("conversations")
        .values({
          id: conversationId,
          user_id: userId,
          team_id: null,
          title: "Old",
          model: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      // How the replacing code stored it: u1 a1 u2 a2 at t0..t1; a2 regenerated at t2 (a2b);
      // u1 edited at t3 (u1b, a1b), which replaced everything current.
      const [t0, t1, t2, t3] = [now, now + 1000, now + 2000, now + 3000];
      const m = (id: string, position: number, role: string, created: number, replaced: number | null) =>
        buildMessage({
          id: `${conversationId}-${id}`,
          conversation_id: conversationId,
          position,
          role,
          created_at: created,
          replaced_at: replaced,
        });
      await db
        .insertInto("messages")
        .values([
          m("u1", 0, "user", t0, t3),
          m("a1", 1, "assistant", t0, t3),
          m("u2", 2, "user", t1 - 1, t3),
          m("a2", 3, "assistant", t1, t2),
          m("a2b", 4, "assistant", t2, t3),
          // The question is stored a moment before its answer (and the replacement).
          m("u1b", 5, "user", t3 - 2, null),
          m("a1b", 6, "assistant", t3, null),
        ])
        .execute();
      await backfillParents(db as unknown as Kysely<unknown>);
      const rows = await db
        .selectFrom("messages")
        .select(["id", "parent_id"])
        .where("conversation_id", "=", conversationId)
        .orderBy("position")
        .execute();
      const short = (id: string | null) => (id === null ? null : id.slice(conversationId.length + 1));
      expect(rows.map((r) => [short(r.id), short(r.parent_id)])).toEqual([
        ["u1", null],
        ["a1", "u1"],
        ["u2", "a1"],
        ["a2", "u2"],
        ["a2b", "u2"],
        ["u1b", null],
        ["a1b", "u1b"],
      ]);
    });
  });
}
