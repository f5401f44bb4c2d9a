import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import type { Database } from "../../platform/db/database.ts";
import { auditDialects, buildAuditEvent, testSecrets, type AuditHarness } from "./audit-test-support.ts";
import { AuditService } from "./audit.service.ts";

const DAY = 86_400_000;

interface HeadCopy {
  head_seq: number;
  head_hash: string;
  hash: string;
}

async function record(harness: AuditHarness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await harness.audit.record(buildAuditEvent({ summary: { i } }));
}

/** What an attacker with database access saves: the sealed head row as it is now. */
async function copyHead(db: Database["db"]): Promise<HeadCopy> {
  const { rows } = await sql<HeadCopy>`select head_seq, head_hash, hash from audit_head`.execute(db);
  const [row] = rows;
  if (!row) throw new Error("no audit_head row");
  return row;
}

/** Deletes the entries after `seq` and puts an earlier head row back, as an attacker would. */
async function rollBack(db: Database["db"], seq: number, head: HeadCopy): Promise<void> {
  await sql`delete from audit_log where seq > ${seq}`.execute(db);
  await sql`update audit_head set head_seq = ${head.head_seq}, head_hash = ${head.head_hash}, hash = ${head.hash}`.execute(
    db,
  );
}

describe.each(auditDialects)("audit checkpoint outside the database on %s", (_dialect, makeFactory) => {
  const factory = makeFactory();
  afterAll(() => factory.cleanup());

  it("reports entries deleted together with a head rolled back to an earlier sealed copy", async () => {
    const harness = await factory.create();
    const { audit, database } = harness;
    await record(harness, 15);
    const saved = await copyHead(database.db);
    await record(harness, 5);
    await audit.checkpoint();
    await rollBack(database.db, 15, saved);
    expect(await audit.verify()).toMatchObject({
      ok: false,
      problem: "rolled_back",
      firstBrokenSeq: 16,
      checked: 15,
      headSeq: 15,
      reason: "entries 16 to 20 are missing behind the checkpoint",
    });
    // New entries reuse seqs 16 and on: the entry at the checkpoint's seq is another one.
    await record(harness, 6);
    await audit.checkpoint();
    expect(await audit.verify()).toMatchObject({
      ok: false,
      problem: "rolled_back",
      firstBrokenSeq: 20,
      reason: "entry 20 is not the entry the checkpoint names",
    });
  });

  it("reports a head reset to unsealed once a checkpoint exists, and never checkpoints past it", async () => {
    const harness = await factory.create();
    const { audit, database } = harness;
    await record(harness, 20);
    expect(await audit.verify()).toMatchObject({ ok: true, headSeq: 20 });
    const kept = await sql<{ hash: string }>`select hash from audit_log where seq = 15`.execute(database.db);
    await rollBack(database.db, 15, { head_seq: 15, head_hash: kept.rows[0]?.hash ?? "", hash: "" });
    expect(await audit.verify()).toMatchObject({
      ok: false,
      problem: "head_modified",
      reason: "the sealed head of the log was reset",
    });
    // The next append adopts the reset head; the checkpoint still names entry 20.
    await record(harness, 10);
    await audit.checkpoint();
    expect(await audit.verify()).toMatchObject({ ok: false, problem: "rolled_back", firstBrokenSeq: 20 });
  });

  /** The same database and data folder, opened by a new process (as after a restart). */
  const restarted = (harness: AuditHarness) =>
    new AuditService({
      database: harness.database,
      secrets: testSecrets,
      clock: harness.clock,
      checkpoints: harness.blobs,
    });

  it("never lets a restarted server's first append adopt a head reset to unsealed once a checkpoint exists", async () => {
    const harness = await factory.create();
    await record(harness, 10);
    await harness.audit.checkpoint();
    await record(harness, 20);
    const kept = await sql<{ hash: string }>`select hash from audit_log where seq = 25`.execute(
      harness.database.db,
    );
    await rollBack(harness.database.db, 25, { head_seq: 25, head_hash: kept.rows[0]?.hash ?? "", hash: "" });
    const audit = restarted(harness);
    // Signing in to look is itself audited: that append must not seal the reset head.
    await audit.record(buildAuditEvent({ action: "auth.login" }));
    expect(await audit.verify()).toMatchObject({ ok: false, problem: "head_modified" });
  });

  it("reports a checkpoint copied into the head row: a checkpoint's seal is no head's seal", async () => {
    const harness = await factory.create();
    await record(harness, 10);
    await harness.audit.checkpoint();
    await record(harness, 10);
    const object = await harness.blobs.get("audit/checkpoint.json");
    if (!object) throw new Error("no checkpoint");
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    const checkpoint = JSON.parse(Buffer.concat(chunks).toString("utf8")) as HeadCopy;
    await rollBack(harness.database.db, checkpoint.head_seq, checkpoint);
    const audit = restarted(harness);
    await audit.record(buildAuditEvent({ action: "auth.login" }));
    expect(await audit.verify()).toMatchObject({ ok: false, problem: "head_modified" });
  });

  it("reports a checkpoint that is not a sealed head", async () => {
    const harness = await factory.create();
    await record(harness, 3);
    await harness.audit.checkpoint();
    await harness.blobs.put(
      "audit/checkpoint.json",
      Buffer.from('{"head_seq":1,"head_hash":"x","hash":"y"}'),
    );
    expect(await harness.audit.verify()).toMatchObject({ ok: false, problem: "checkpoint_modified" });
    await harness.blobs.put("audit/checkpoint.json", Buffer.from("not json"));
    await harness.audit.checkpoint();
    expect(await harness.audit.verify()).toMatchObject({ ok: false, problem: "checkpoint_modified" });
  });

  it("verifies after retention pruned the checkpoint's entry, and moves the checkpoint on", async () => {
    const harness = await factory.create();
    const { audit, clock } = harness;
    await record(harness, 10);
    await audit.checkpoint();
    clock.advance(100 * DAY);
    await record(harness, 2);
    expect(await audit.prune(90)).toEqual({ deleted: 10 });
    await audit.checkpoint();
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 3, headSeq: 13, problem: null });
    // The checkpoint now names entry 13: deleting it shows even with the head rolled back.
    const saved = await copyHead(harness.database.db);
    await record(harness, 1);
    await audit.checkpoint();
    await rollBack(harness.database.db, 13, saved);
    expect(await audit.verify()).toMatchObject({ ok: false, problem: "rolled_back", firstBrokenSeq: 14 });
  });
});
