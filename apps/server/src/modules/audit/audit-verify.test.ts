import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { auditDialects, buildAuditEvent, type AuditHarness } from "./audit-test-support.ts";
import { allTables } from "../../../test/all-tables.ts";

const DAY = 86_400_000;

/** A harness holding `n` entries, one a minute. */
async function withEntries(create: () => Promise<AuditHarness>, n: number): Promise<AuditHarness> {
  const harness = await create();
  for (let i = 1; i <= n; i++) {
    await harness.audit.record(buildAuditEvent({ summary: { i } }));
    harness.clock.advance(60_000);
  }
  return harness;
}

describe.each(auditDialects)("audit chain verification on %s", (_dialect, makeFactory) => {
  const factory = makeFactory();
  const create = () => factory.create();
  afterAll(() => factory.cleanup());

  it("reports an intact chain, across several verification batches", async () => {
    const { audit } = await withEntries(create, 3);
    expect(await audit.verify()).toEqual({
      ok: true,
      checked: 3,
      firstBrokenSeq: null,
      reason: null,
      problem: null,
      headSeq: 3,
      anchor: null,
    });
    const empty = await create();
    expect(await empty.audit.verify()).toMatchObject({ ok: true, checked: 0 });
  });

  it("walks a chain longer than one batch", async () => {
    const { audit, database } = await withEntries(create, 2);
    // 1,200 more entries, appended through the service so that every hash is genuine.
    await Promise.all(
      Array.from({ length: 1_200 }, (_, i) => audit.record(buildAuditEvent({ summary: { i } }))),
    );
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1_202 });
    await sql`update audit_log set action = 'team.deleted' where seq = 1101`.execute(database.db);
    expect(await audit.verify()).toMatchObject({ ok: false, checked: 1_100, firstBrokenSeq: 1_101 });
  });

  it("names the entry whose summary was edited in the database", async () => {
    const { audit, database } = await withEntries(create, 20);
    await sql`update audit_log set summary = ${JSON.stringify({ i: 999 })} where seq = 17`.execute(
      database.db,
    );
    expect(await audit.verify()).toEqual({
      ok: false,
      checked: 16,
      firstBrokenSeq: 17,
      reason: "entry 17 was modified",
      problem: "modified",
      headSeq: 20,
      anchor: null,
    });
  });

  it("notices an edited hash or link, not only edited content", async () => {
    const { audit, database } = await withEntries(create, 5);
    await sql`update audit_log set prev_hash = ${"f".repeat(64)} where seq = 3`.execute(database.db);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      firstBrokenSeq: 3,
      reason: "entry 3 was modified",
    });
  });

  it("reports a deleted middle entry as missing", async () => {
    const { audit, database } = await withEntries(create, 20);
    await sql`delete from audit_log where seq = 18`.execute(database.db);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      checked: 17,
      firstBrokenSeq: 18,
      reason: "entry 18 is missing",
    });
    await sql`delete from audit_log where seq in (5, 6, 7)`.execute(database.db);
    await audit.record(buildAuditEvent());
    expect(await audit.verify()).toMatchObject({
      checked: 4,
      firstBrokenSeq: 5,
      reason: "entries 5 to 7 are missing",
    });
  });

  it("reports the oldest entries deleted behind the retention's back", async () => {
    const { audit, database } = await withEntries(create, 10);
    await sql`delete from audit_log where seq <= 3`.execute(database.db);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      checked: 0,
      firstBrokenSeq: 1,
      reason: "entries 1 to 3 are missing",
    });
  });

  it("reports entries deleted after a prune, past the anchor", async () => {
    const { audit, database, clock } = await withEntries(create, 10);
    clock.advance(100 * DAY);
    await audit.record(buildAuditEvent());
    await audit.record(buildAuditEvent());
    expect(await audit.prune(90)).toEqual({ deleted: 10 });
    // Left: 11, 12 and 13 (audit.pruned). Deleting 11 breaks the link to the anchor.
    await sql`delete from audit_log where seq = 11`.execute(database.db);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      firstBrokenSeq: 11,
      reason: "entry 11 is missing",
      anchor: { prunedThroughSeq: 10 },
    });
  });

  it("reports an anchor moved to hide deleted entries", async () => {
    const { audit, database, clock } = await withEntries(create, 10);
    clock.advance(100 * DAY);
    for (let i = 0; i < 4; i++) await audit.record(buildAuditEvent());
    await audit.prune(90);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 5 });
    // Hide entries 11 and 12: delete them and move the anchor, copying the hash entry 13 links to.
    await sql`delete from audit_log where seq <= 12`.execute(database.db);
    const linked = await allTables(database)
      .selectFrom("audit_log")
      .select("prev_hash")
      .where("seq", "=", 13)
      .executeTakeFirstOrThrow();
    await sql`update audit_anchor set pruned_through_seq = 12, last_pruned_hash = ${linked.prev_hash}`.execute(
      database.db,
    );
    expect(await audit.verify()).toMatchObject({
      ok: false,
      checked: 0,
      firstBrokenSeq: 13,
      reason: "the retention anchor was modified",
    });
  });

  it("reports a deleted anchor", async () => {
    const { audit, database, clock } = await withEntries(create, 3);
    clock.advance(100 * DAY);
    await audit.record(buildAuditEvent());
    await audit.prune(90);
    await sql`delete from audit_anchor`.execute(database.db);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      firstBrokenSeq: 1,
      reason: "entries 1 to 3 are missing",
      anchor: null,
    });
  });

  it("reports an entry inserted behind the application's back", async () => {
    const { audit, database } = await withEntries(create, 3);
    const last = await allTables(database)
      .selectFrom("audit_log")
      .selectAll()
      .where("seq", "=", 3)
      .executeTakeFirstOrThrow();
    await allTables(database)
      .insertInto("audit_log")
      .values({
        ...last,
        seq: 4,
        id: "forged",
        summary: JSON.stringify({ forged: true }),
        prev_hash: last.hash,
      })
      .execute();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      firstBrokenSeq: 4,
      reason: "entry 4 was modified",
    });
  });
});
