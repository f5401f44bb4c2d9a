import { MAX_PRACTICES_PER_TEAM, type ErrorEnvelope, type Practice } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

/** Creations and moves of one team's practices racing each other. */
describe.each(["sqlite", "postgres"] as const)("practices under concurrency on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb
        ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "practices-races-secret-0123456789abcdef" }
        : {},
    );
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  /** A new team and an admin of it. */
  async function team(name: string) {
    const id = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } })
    ).body.id;
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${id}/members/${u.id}`, {
      token: h.adminToken,
      body: { role: "admin" },
    });
    return { id, token: u.token };
  }
  const create = (token: string, teamId: string, title: string) =>
    h.call<Practice>("POST", "/api/v1/practices", { token, body: { teamId, title, body: `${title}.` } });
  const list = async (token: string, teamId: string) =>
    (await h.call<{ items: Practice[] }>("GET", `/api/v1/practices?teamId=${teamId}`, { token })).body.items;
  const twenty = <T>(fn: (i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: 20 }, (_, i) => fn(i)));

  it("gives 20 concurrent creations distinct positions, one after another", async () => {
    const t = await team("Concurrent creations");
    const made = await twenty((i) => create(t.token, t.id, `P${i}`));
    expect(made.map((m) => m.status)).toEqual(Array.from({ length: 20 }, () => 201));
    const positions = (await list(t.token, t.id)).map((p) => p.position);
    expect(positions).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("lets 20 concurrent creations at the limit fill it exactly, refusing the rest with practice.limit_reached", async () => {
    const t = await team("At the limit");
    const before = MAX_PRACTICES_PER_TEAM - 5;
    for (let start = 0; start < before; start += 20)
      await Promise.all(
        Array.from({ length: Math.min(20, before - start) }, (_, i) =>
          create(t.token, t.id, `F${start + i}`),
        ),
      );
    const racing = await twenty((i) => create(t.token, t.id, `R${i}`));
    expect(racing.filter((r) => r.status === 201)).toHaveLength(5);
    for (const r of racing.filter((x) => x.status !== 201))
      expect([r.status, (r.body as unknown as ErrorEnvelope).error.code]).toEqual([
        409,
        "practice.limit_reached",
      ]);
    const all = await list(t.token, t.id);
    expect(all).toHaveLength(MAX_PRACTICES_PER_TEAM);
    expect(new Set(all.map((p) => p.position)).size).toBe(MAX_PRACTICES_PER_TEAM);
  }, 60_000);

  it("keeps a scope's positions distinct and whole through 20 concurrent moves", async () => {
    const t = await team("Concurrent moves");
    const made: Practice[] = [];
    for (const title of ["A", "B", "C", "D", "E"]) made.push((await create(t.token, t.id, title)).body);
    const moved = await twenty((i) =>
      h.call<{ items: Practice[] }>("POST", `/api/v1/practices/${made[i % 5]?.id ?? ""}/move`, {
        token: t.token,
        body: { direction: i % 2 === 0 ? "up" : "down" },
      }),
    );
    expect(moved.map((m) => m.status)).toEqual(Array.from({ length: 20 }, () => 200));
    // Every answer shows a whole order: five practices at 0..4.
    for (const m of moved) expect(m.body.items.map((p) => p.position)).toEqual([0, 1, 2, 3, 4]);
    const after = await list(t.token, t.id);
    expect(after.map((p) => p.position)).toEqual([0, 1, 2, 3, 4]);
    expect(after.map((p) => p.title).sort()).toEqual(["A", "B", "C", "D", "E"]);
  });
});
