import { afterAll, describe, expect, it } from "vitest";
import { AuditService } from "./audit.service.ts";
import { auditDialects, buildAuditEvent, T0, testSecrets } from "./audit-test-support.ts";

const DAY = 86_400_000;

describe.each(auditDialects)("audit retention and concurrency on %s", (_dialect, makeFactory) => {
  const factory = makeFactory();
  afterAll(() => factory.cleanup());

  it("prunes entries past retention, keeps the rest verifiable and records the prune once", async () => {
    const { audit, clock } = await factory.create();
    for (let day = 0; day < 10; day++) {
      await audit.record(buildAuditEvent({ summary: { day } }));
      clock.advance(DAY);
    }
    // Now T0 + 10 days; with 5 days of retention, days 0..4 go (day 5 is exactly at the cutoff).
    expect(await audit.prune(5)).toEqual({ deleted: 5 });

    const verification = await audit.verify();
    expect(verification).toEqual({
      ok: true,
      checked: 6,
      firstBrokenSeq: null,
      reason: null,
      problem: null,
      headSeq: 11,
      anchor: { prunedThroughSeq: 5, prunedAt: new Date(T0 + 10 * DAY).toISOString() },
    });
    const items = (await audit.list()).items;
    expect(items.map((e) => e.seq)).toEqual([11, 10, 9, 8, 7, 6]);
    expect(items[0]).toMatchObject({
      action: "audit.pruned",
      outcome: "success",
      actor: { type: "system", id: null, email: null },
      summary: {
        deleted: 5,
        retentionDays: 5,
        prunedThroughSeq: 5,
        before: new Date(T0 + 5 * DAY).toISOString(),
      },
    });

    expect(await audit.prune(5)).toEqual({ deleted: 0 });
    expect((await audit.list()).items).toHaveLength(6);
    expect((await audit.verify()).ok).toBe(true);
  });

  it("continues the chain from the anchor when every entry was pruned", async () => {
    const { audit, clock } = await factory.create();
    for (let i = 0; i < 3; i++) await audit.record(buildAuditEvent());
    clock.advance(91 * DAY);
    expect(await audit.prune(90)).toEqual({ deleted: 3 });
    clock.advance(91 * DAY);
    // Only the audit.pruned entry (seq 4) is left, and it is old too.
    expect(await audit.prune(90)).toEqual({ deleted: 1 });
    const [pruned] = (await audit.list()).items;
    expect(pruned).toMatchObject({
      seq: 5,
      action: "audit.pruned",
      summary: { deleted: 1, prunedThroughSeq: 4 },
    });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 1, anchor: { prunedThroughSeq: 4 } });
  });

  it("prunes only a prefix: an old entry after a recent one waits its turn", async () => {
    const { audit, clock } = await factory.create();
    await audit.record(buildAuditEvent());
    clock.advance(50 * DAY);
    await audit.record(buildAuditEvent());
    // A process whose clock runs far behind appends an entry that looks old.
    clock.advance(-45 * DAY);
    await audit.record(buildAuditEvent());
    clock.advance(45 * DAY + 45 * DAY);
    expect(await audit.prune(60)).toEqual({ deleted: 1 });
    expect((await audit.list()).items.map((e) => e.seq)).toEqual([4, 3, 2]);
    expect((await audit.verify()).ok).toBe(true);
  });

  it("prunes a long history in several batches", async () => {
    const { audit, clock } = await factory.create();
    await Promise.all(
      Array.from({ length: 2_345 }, (_, i) => audit.record(buildAuditEvent({ summary: { i } }))),
    );
    clock.advance(100 * DAY);
    await audit.record(buildAuditEvent());
    expect(await audit.prune(90)).toEqual({ deleted: 2_345 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 2, anchor: { prunedThroughSeq: 2_345 } });
  });

  it("refuses a retention that is not a positive number of days", async () => {
    const { audit } = await factory.create();
    for (const days of [0, -1, Number.NaN]) await expect(audit.prune(days)).rejects.toThrow(RangeError);
  });

  it("forms one chain when two processes append at the same time", async () => {
    const { database, clock, connect } = await factory.create();
    const other = await connect();
    const one = new AuditService({ database, secrets: testSecrets, clock });
    const two = new AuditService({ database: other, secrets: testSecrets, clock });
    const entries = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).record(buildAuditEvent({ summary: { i } }))),
    );
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const bySeq = new Map(entries.map((e) => [e.seq, e]));
    for (let seq = 2; seq <= 40; seq++) expect(bySeq.get(seq)?.prevHash).toBe(bySeq.get(seq - 1)?.hash);
    for (const service of [one, two]) expect(await service.verify()).toMatchObject({ ok: true, checked: 40 });
  });

  it("keeps one chain when a prune runs while appends go on", async () => {
    const { audit, database, clock, connect } = await factory.create();
    for (let i = 0; i < 30; i++) await audit.record(buildAuditEvent());
    clock.advance(100 * DAY);
    // PostgreSQL: a second pool, as another pod. SQLite: the same connection, as in embedded
    // mode (one process owns the file); a second connection in the same process would wait
    // synchronously for the prune's write lock and block the event loop that releases it.
    const otherDb = database.dialect === "sqlite" ? database : await connect();
    const other = new AuditService({ database: otherDb, secrets: testSecrets, clock });
    const [pruned] = await Promise.all([
      audit.prune(90),
      ...Array.from({ length: 20 }, () => other.record(buildAuditEvent())),
    ]);
    expect(pruned).toEqual({ deleted: 30 });
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 21, anchor: { prunedThroughSeq: 30 } });
  });

  it("verifies cleanly while a prune removes the entries being walked", async () => {
    const { audit, clock } = await factory.create();
    await Promise.all(Array.from({ length: 1_200 }, () => audit.record(buildAuditEvent())));
    clock.advance(100 * DAY);
    await audit.record(buildAuditEvent());
    const [before, pruned, during] = await Promise.all([audit.verify(), audit.prune(90), audit.verify()]);
    expect(pruned).toEqual({ deleted: 1_200 });
    expect(before.ok && during.ok).toBe(true);
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 2 });
  });
});
