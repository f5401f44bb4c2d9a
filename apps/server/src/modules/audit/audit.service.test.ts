import fc from "fast-check";
import { AuditEntry, type AuditEvent } from "@parley/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import { GENESIS_HASH } from "./audit-hash.ts";
import { normalizeSummary } from "./audit-normalize.ts";
import { auditDialects, buildAuditEvent, T0 } from "./audit-test-support.ts";
import { allTables } from "../../../test/all-tables.ts";

describe.each(auditDialects)("audit log on %s", (_dialect, makeFactory) => {
  const factory = makeFactory();
  afterAll(() => factory.cleanup());

  it("stores every field of an event and chains it to the one before", async () => {
    const { audit } = await factory.create();
    const first = await audit.record(buildAuditEvent());
    const second = await audit.record(
      buildAuditEvent({
        action: "auth.login_failed",
        outcome: "failure",
        actor: { type: "anonymous", id: null },
      }),
    );
    expect(AuditEntry.parse(first)).toEqual(first);
    expect(first).toMatchObject({
      seq: 1,
      at: new Date(T0).toISOString(),
      action: "team.updated",
      outcome: "success",
      actor: { type: "user", id: "u_ada", email: "ada@example.com" },
      target: { type: "team", id: "t_core" },
      teamId: "t_core",
      requestId: "req-1",
      ip: "203.0.113.7",
      summary: { name: { from: "Core", to: "Core team" } },
      prevHash: GENESIS_HASH,
    });
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toMatchObject({
      seq: 2,
      prevHash: first.hash,
      actor: { type: "anonymous", id: null, email: null },
    });
    expect(second).toMatchObject({ target: { type: "team", id: "t_core" } });
    const page = await audit.list();
    expect(page).toEqual({ items: [second, first], nextCursor: null });
  });

  it("filters by action, actor, target, team, outcome and time", async () => {
    const { audit, clock } = await factory.create();
    const login = await audit.record(
      buildAuditEvent({ action: "auth.login", target: { type: "user", id: "u_ada" }, teamId: null }),
    );
    clock.advance(60_000);
    const denied = await audit.record(
      buildAuditEvent({
        action: "access.denied",
        outcome: "denied",
        actor: { type: "api_key", id: "key_1" },
        target: { type: "route", id: "GET /api/v1/audit" },
        teamId: "t_other",
      }),
    );
    clock.advance(60_000);
    const updated = await audit.record(buildAuditEvent());
    const ids = async (query: Parameters<typeof audit.list>[0]) =>
      (await audit.list(query)).items.map((e) => e.seq);

    expect(await ids({ action: "auth.login" })).toEqual([login.seq]);
    expect(await ids({ actorId: "key_1" })).toEqual([denied.seq]);
    expect(await ids({ actorId: "u_ada" })).toEqual([updated.seq, login.seq]);
    expect(await ids({ targetType: "team" })).toEqual([updated.seq]);
    expect(await ids({ targetType: "user", targetId: "u_ada" })).toEqual([login.seq]);
    expect(await ids({ targetId: "GET /api/v1/audit" })).toEqual([denied.seq]);
    expect(await ids({ teamId: "t_other" })).toEqual([denied.seq]);
    expect(await ids({ outcome: "denied" })).toEqual([denied.seq]);
    expect(await ids({ from: new Date(T0 + 60_000).toISOString() })).toEqual([updated.seq, denied.seq]);
    expect(await ids({ to: new Date(T0 + 60_000).toISOString() })).toEqual([login.seq]);
    expect(await ids({ from: "2026-11-22T01:01:00+01:00", to: "2026-11-22T00:02:00Z" })).toEqual([
      denied.seq,
    ]);
    expect(await ids({ action: "auth.login", outcome: "denied" })).toEqual([]);
  });

  it("pages newest first with a cursor that stays stable while entries are appended", async () => {
    const { audit } = await factory.create();
    for (let i = 0; i < 7; i++) await audit.record(buildAuditEvent({ summary: { i } }));
    const first = await audit.list({ limit: 3 });
    expect(first.items.map((e) => e.seq)).toEqual([7, 6, 5]);
    expect(first.nextCursor).toEqual(expect.any(String));
    // Appended between pages: shows up on a fresh first page, never shifts the next ones.
    await audit.record(buildAuditEvent());
    const second = await audit.list({ limit: 3, cursor: first.nextCursor ?? "" });
    expect(second.items.map((e) => e.seq)).toEqual([4, 3, 2]);
    const third = await audit.list({ limit: 3, cursor: second.nextCursor ?? "" });
    expect(third).toEqual({ items: [expect.objectContaining({ seq: 1 })], nextCursor: null });
    const exact = await audit.list({ limit: 8 });
    expect(exact.nextCursor).toBeNull();
    const filtered = await audit.list({ limit: 2, action: "team.updated", cursor: first.nextCursor ?? "" });
    expect(filtered.items.map((e) => e.seq)).toEqual([4, 3]);
  });

  it("rejects a cursor it did not hand out", async () => {
    const { audit } = await factory.create();
    for (const cursor of [
      "nope",
      Buffer.from("v1:0").toString("base64url"),
      Buffer.from("v1:-3").toString("base64url"),
    ]) {
      const error = await audit.list({ cursor }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("audit.cursor_invalid");
    }
  });

  it("shows team auditors their teams' entries only; another team is as if it did not exist", async () => {
    const { audit } = await factory.create();
    await audit.record(buildAuditEvent({ teamId: "t_a" }));
    await audit.record(buildAuditEvent({ teamId: "t_b" }));
    await audit.record(buildAuditEvent({ teamId: null }));
    const scoped = { allTeams: false, teamIds: ["t_a"] } as const;
    expect((await audit.list({}, scoped)).items.map((e) => e.teamId)).toEqual(["t_a"]);
    await expect(audit.list({ teamId: "t_b" }, scoped)).rejects.toMatchObject({ code: "team.not_found" });
    expect((await audit.list({}, { allTeams: false, teamIds: [] })).items).toEqual([]);
    expect((await audit.list({})).items).toHaveLength(3);
  });

  it("never stores secrets found in a summary, at any depth", async () => {
    const { audit, database } = await factory.create();
    const entry = await audit.record(
      buildAuditEvent({
        summary: {
          name: "ci",
          password: "hunter2",
          nested: { clientSecret: "s3cr3t", list: [{ refreshToken: "rt", keep: 1 }], apiKey: { id: "x" } },
          signingKey: "k",
        },
      }),
    );
    const redacted = {
      name: "ci",
      password: "[redacted]",
      nested: {
        clientSecret: "[redacted]",
        list: [{ refreshToken: "[redacted]", keep: 1 }],
        apiKey: "[redacted]",
      },
      signingKey: "[redacted]",
    };
    expect(entry.summary).toEqual(redacted);
    const raw = await allTables(database).selectFrom("audit_log").select("summary").executeTakeFirstOrThrow();
    expect(JSON.stringify(raw.summary)).not.toMatch(/hunter2|s3cr3t|"rt"|"k"/);
    expect((await audit.verify()).ok).toBe(true);
  });

  it("rejects a malformed event instead of storing it", async () => {
    const { audit } = await factory.create();
    await expect(audit.record(buildAuditEvent({ action: "Not An Action" }))).rejects.toThrow();
    expect((await audit.list()).items).toEqual([]);
  });

  it("round-trips and verifies any event payload (property)", async () => {
    const { audit } = await factory.create();
    const text = fc.string({ unit: "binary", maxLength: 30 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        text,
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(text, tie("value"), { maxKeys: 4 }),
      ),
    }));
    const event = fc.record({
      action: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}\.[a-z0-9_]{1,10}$/),
      outcome: fc.constantFrom("success", "failure", "denied"),
      actor: fc.record({
        type: fc.constantFrom("user", "api_key", "system", "anonymous"),
        id: fc.option(text.filter((s) => s.length > 0)),
        email: fc.option(text),
      }),
      target: fc.option(fc.record({ type: text.filter((s) => s.length > 0), id: fc.option(text) })),
      teamId: fc.option(text),
      requestId: fc.option(text),
      ip: fc.option(text),
      summary: fc.dictionary(text, json.value, { maxKeys: 5 }),
    }) satisfies fc.Arbitrary<AuditEvent>;

    await fc.assert(
      fc.asyncProperty(event, async (input) => {
        const entry = await audit.record(input);
        const [listed] = (await audit.list({ limit: 1 })).items;
        expect(listed).toEqual(entry);
        expect(entry.summary).toEqual(normalizeSummary(input.summary));
        expect(entry.action).toBe(input.action);
      }),
      { numRuns: 60 },
    );
    const verification = await audit.verify();
    expect(verification).toMatchObject({ ok: true, checked: 60, firstBrokenSeq: null, reason: null });
  });
});
