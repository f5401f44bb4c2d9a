/** Appends a batch of items in one go, returning one result per item, in order. */
export type BatchWriter<I, O> = (items: I[]) => Promise<O[]>;

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers enqueue one item each; what is enqueued in one turn of the event loop
 * goes together (the first write waits for `setImmediate`, not for a timer), and while a batch is
 * being written newcomers wait and then go together in the next batch. Under load one commit
 * (and, for the audit chain, one lock) thus serves many writes instead of one each, also on
 * SQLite, whose writes complete synchronously; each process holds at most one database
 * connection for them. Used for audit entries and usage rows.
 * @example
 * const queue = new AppendQueue(async (rows) => {
 *   await db.insertInto("usage_records").values(rows).execute();
 *   return rows.map(() => true);
 * }, 200);
 * await queue.enqueue(row);
 */
export class AppendQueue<I, O> {
  readonly #write: BatchWriter<I, O>;
  readonly #maxBatch: number;
  #pending: Pending<I, O>[] = [];
  #draining = false;

  constructor(write: BatchWriter<I, O>, maxBatch: number) {
    this.#write = write;
    this.#maxBatch = maxBatch;
  }

  /** Adds `item` to the next batch; resolves with its result once the batch is written. */
  enqueue(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, this.#maxBatch);
      try {
        settle(batch, await this.#write(batch.map((p) => p.item)));
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        // One bad item must not fail its neighbours: write them one by one.
        else for (const p of batch) await this.#writeOne(p);
      }
    }
    this.#draining = false;
  }

  async #writeOne(p: Pending<I, O>): Promise<void> {
    try {
      settle([p], await this.#write([p.item]));
    } catch (error) {
      p.reject(error);
    }
  }
}

function settle<I, O>(batch: Pending<I, O>[], results: O[]): void {
  batch.forEach((p, i) => {
    const result = results[i];
    if (result === undefined) p.reject(new Error("the batch writer returned too few results"));
    else p.resolve(result);
  });
}
