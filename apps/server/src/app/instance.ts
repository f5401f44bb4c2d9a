import { randomUUID } from "node:crypto";
import type { Database } from "../platform/db/database.ts";
import type { Clock } from "../platform/clock/clock.ts";

/** The installation's identity. */
export interface Instance {
  id: string;
  createdAt: number;
}

/**
 * Returns the installation's identity, creating it on the first start. Several pods starting at
 * once agree on one row: the insert ignores a conflict and everyone reads the winner.
 */
export async function ensureInstance(database: Database, clock: Clock): Promise<Instance> {
  await database.db
    .insertInto("instance")
    .values({ slot: 1, id: randomUUID(), created_at: clock.now() })
    .onConflict((c) => c.column("slot").doNothing())
    .execute();
  const row = await database.db
    .selectFrom("instance")
    .selectAll()
    .where("slot", "=", 1)
    .executeTakeFirstOrThrow();
  return { id: row.id, createdAt: row.created_at };
}
