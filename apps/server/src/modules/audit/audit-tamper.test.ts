import type { AuditProblem, AuditVerification } from "@parley/contracts";
import { sql, type Kysely } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import * as auditHeadMigration from "./migrations/2026-12-05T2300-audit-head.ts";
import type { Database } from "../../platform/db/database.ts";
import { AuditService } from "./audit.service.ts";
import { auditDialects, buildAuditEvent, testSecrets, type AuditHarness } from "./audit-test-support.ts";

const DAY = 86_400_000;

/** A harness holding `n` entries appended through the service. */
async function withEntries(create: () => Promise<AuditHarness>, n: number): Promise<AuditHarness> {
  const harness = await create();
  for (let i = 1; i <= n; i++) await harness.audit.record(buildAuditEvent({ summary: { i } }));
  return harness;
}

/** One way an attacker holding the database (but not the secret key) tampers with the log. */
interface Tampering {
  name: string;
  tamper: (db: Database["db"], audit: AuditService) => Promise<void>;
  expected: Partial<AuditVerification> & { problem: AuditProblem };
}

// Each starts from 20 intact entries, and writes its SQL as an attacker would.
const tamperings: Tampering[] = [
  {
    name: "edits an entry's content",
    tamper: async (db) => {
      await sql`update audit_log set actor_email = 'mallory@example.com' where seq = 12`.execute(db);
    },
    expected: { problem: "modified", firstBrokenSeq: 12, checked: 11 },
  },
  {
    name: "deletes a middle entry",
    tamper: async (db) => {
      await sql`delete from audit_log where seq = 9`.execute(db);
    },
    expected: { problem: "missing", firstBrokenSeq: 9, checked: 8, reason: "entry 9 is missing" },
  },
  {
    name: "deletes the newest entry",
    tamper: async (db) => {
      await sql`delete from audit_log where seq = 20`.execute(db);
    },
    expected: {
      problem: "truncated",
      firstBrokenSeq: 20,
      checked: 19,
      headSeq: 20,
      reason: "entry 20 is missing from the end of the log",
    },
  },
  {
    name: "deletes the newest 5 entries",
    tamper: async (db) => {
      await sql`delete from audit_log where seq > 15`.execute(db);
    },
    expected: {
      problem: "truncated",
      firstBrokenSeq: 16,
      checked: 15,
      reason: "entries 16 to 20 are missing from the end of the log",
    },
  },
  {
    name: "deletes every entry",
    tamper: async (db) => {
      await sql`delete from audit_log`.execute(db);
    },
    expected: { problem: "truncated", firstBrokenSeq: 1, checked: 0 },
  },
  {
    name: "deletes the newest 5 entries, then the application appends one more",
    tamper: async (db, audit) => {
      await sql`delete from audit_log where seq > 15`.execute(db);
      // The next entry continues from the sealed head (seq 21), so the deleted seqs stay a gap.
      expect((await audit.record(buildAuditEvent())).seq).toBe(21);
    },
    expected: { problem: "missing", firstBrokenSeq: 16, checked: 15, headSeq: 21 },
  },
  {
    name: "deletes the newest entries and moves the head back without the key",
    tamper: async (db) => {
      const kept = await sql<{ hash: string }>`select hash from audit_log where seq = 15`.execute(db);
      await sql`delete from audit_log where seq > 15`.execute(db);
      await sql`update audit_head set head_seq = 15, head_hash = ${kept.rows[0]?.hash}`.execute(db);
    },
    expected: { problem: "head_modified", checked: 15, headSeq: null },
  },
  {
    name: "deletes the newest entries and the head",
    tamper: async (db) => {
      await sql`delete from audit_log where seq > 15`.execute(db);
      await sql`delete from audit_head`.execute(db);
    },
    expected: { problem: "head_missing", checked: 15 },
  },
  {
    name: "deletes the newest entries and the head, then the application appends",
    tamper: async (db, audit) => {
      await sql`delete from audit_log where seq > 15`.execute(db);
      await sql`delete from audit_head`.execute(db);
      await audit.record(buildAuditEvent());
    },
    expected: { problem: "head_missing", checked: 16 },
  },
];

describe.each(auditDialects)("audit log tampering on %s", (_dialect, makeFactory) => {
  const factory = makeFactory();
  const create = () => factory.create();
  afterAll(() => factory.cleanup());

  it.each(tamperings)("fails verification when an attacker $name", async ({ tamper, expected }) => {
    const { audit, database } = await withEntries(create, 20);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 20, headSeq: 20 });
    await tamper(database.db, audit);
    expect(await audit.verify()).toMatchObject({ ok: false, ...expected });
  });

  it("keeps failing after more appends once the newest entries were deleted", async () => {
    const { audit, database } = await withEntries(create, 10);
    await sql`delete from audit_log where seq = 10`.execute(database.db);
    for (let i = 0; i < 5; i++) await audit.record(buildAuditEvent());
    expect(await audit.verify()).toMatchObject({
      ok: false,
      problem: "missing",
      firstBrokenSeq: 10,
      headSeq: 15,
    });
  });

  it("verifies an untouched log after concurrent appends from two processes", async () => {
    const { database, clock, connect } = await create();
    const other = await connect();
    const one = new AuditService({ database, secrets: testSecrets, clock });
    const two = new AuditService({ database: other, secrets: testSecrets, clock });
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 ? one : two).record(buildAuditEvent({ summary: { i } }))),
    );
    for (const service of [one, two]) {
      expect(await service.verify()).toMatchObject({ ok: true, checked: 300, headSeq: 300, problem: null });
    }
  });

  it("verifies after a legitimate prune, also when it removed every entry", async () => {
    const { audit, clock } = await withEntries(create, 12);
    clock.advance(100 * DAY);
    expect(await audit.prune(90)).toEqual({ deleted: 12 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1, headSeq: 13 });
    clock.advance(100 * DAY);
    expect(await audit.prune(90)).toEqual({ deleted: 1 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1, headSeq: 14 });
  });

  it("starts the head where an existing log ends when migrating, sealed by the first append", async () => {
    const { audit, database, clock } = await withEntries(create, 3);
    clock.advance(100 * DAY);
    await audit.prune(90);
    // As before the migration: a log whose entries were all pruned but `audit.pruned` (seq 4).
    await sql`drop table audit_head`.execute(database.db);
    await auditHeadMigration.up(database.dialect)(database.db as Kysely<unknown>);
    const head = await sql<{ head_seq: number; hash: string }>`select * from audit_head`.execute(database.db);
    expect(head.rows).toMatchObject([{ head_seq: 4, hash: "" }]);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1, headSeq: null });
    await audit.record(buildAuditEvent());
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 2, headSeq: 5 });
    await sql`delete from audit_log where seq = 5`.execute(database.db);
    expect(await audit.verify()).toMatchObject({ ok: false, problem: "truncated", firstBrokenSeq: 5 });
  });
});
