import type { Insertable } from "kysely";
import type { GovernanceDecisionsTable } from "./governance.tables.ts";

type Row = Insertable<GovernanceDecisionsTable>;
interface Waiting {
  readonly rows: readonly Row[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** The most rows one statement inserts (17 columns each: well under SQLite's 32,766 variables). */
const MAX_ROWS = 500;

/**
 * Group commit of decision rows: the rows of every call settled in the same turn of the event
 * loop go in one INSERT (one statement and one commit instead of one each, on the thread that
 * also streams other calls' answers). Each caller's promise settles once its own rows are
 * committed, so what it writes next (its audit entry) still comes after them. Should the shared
 * statement fail, each call's rows are tried alone: one call's bad row fails that call only.
 *
 * @example
 * const batch = new RowBatch((rows) => repository.insert(rows));
 * await batch.add(rowsOfThisCall); // committed, with the rows of calls settled alongside
 */
export class RowBatch {
  readonly #insert: (rows: readonly Row[]) => Promise<void>;
  #pending: Waiting[] = [];

  constructor(insert: (rows: readonly Row[]) => Promise<void>) {
    this.#insert = insert;
  }

  /** Resolves once `rows` are committed; rejects with the insert's error. */
  add(rows: readonly Row[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (!this.#pending.length) setImmediate(() => void this.#flush());
      this.#pending.push({ rows, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length) {
      const group: Waiting[] = [];
      let count = 0;
      for (let next = this.#pending[0]; next; next = this.#pending[0]) {
        if (group.length && count + next.rows.length > MAX_ROWS) break;
        group.push(next);
        count += next.rows.length;
        this.#pending.shift();
      }
      try {
        await this.#insert(group.flatMap((g) => g.rows));
        for (const g of group) g.resolve();
      } catch (error) {
        if (group.length === 1) {
          group[0]?.reject(asError(error));
          continue;
        }
        for (const g of group) {
          try {
            await this.#insert(g.rows);
            g.resolve();
          } catch (alone) {
            g.reject(asError(alone));
          }
        }
      }
    }
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
