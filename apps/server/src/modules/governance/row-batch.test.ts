import { describe, expect, it } from "vitest";
import type { Insertable } from "kysely";
import type { GovernanceDecisionsTable } from "./governance.tables.ts";
import { RowBatch } from "./row-batch.ts";

type Row = Insertable<GovernanceDecisionsTable>;
const row = (id: string) => ({ id }) as unknown as Row;

describe("RowBatch", () => {
  it("inserts the rows of calls settled together in one statement, and each caller waits for its own", async () => {
    const statements: string[][] = [];
    const batch = new RowBatch((rows) => {
      statements.push(rows.map((r) => r.id));
      return Promise.resolve();
    });
    const calls = Array.from({ length: 20 }, (_, i) => batch.add([row(`a${i}`), row(`b${i}`)]));
    expect(statements).toEqual([]); // nothing committed yet: no caller may go on
    await Promise.all(calls);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toHaveLength(40);
  });

  it("tries each call's rows alone when the shared statement fails: only the bad call fails", async () => {
    const committed: string[] = [];
    const batch = new RowBatch((rows) => {
      if (rows.some((r) => r.id === "bad")) return Promise.reject(new Error("constraint"));
      committed.push(...rows.map((r) => r.id));
      return Promise.resolve();
    });
    const results = await Promise.allSettled([
      batch.add([row("a")]),
      batch.add([row("bad")]),
      batch.add([row("c")]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(committed.sort()).toEqual(["a", "c"]);
  });

  it("keeps a statement to at most 500 rows", async () => {
    const sizes: number[] = [];
    const batch = new RowBatch((rows) => {
      sizes.push(rows.length);
      return Promise.resolve();
    });
    await Promise.all(
      Array.from({ length: 12 }, () => batch.add(Array.from({ length: 100 }, () => row("x")))),
    );
    expect(sizes).toEqual([500, 500, 200]);
  });
});
