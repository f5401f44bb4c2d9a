import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDriver from "better-sqlite3";

/** Another live process holds the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
}

/** The file whose OS-level lock marks the data folder as taken. */
export const DATA_DIR_LOCK_FILE = ".parley.lock.db";

/**
 * Takes the data folder for this process. Embedded mode keeps the bus, log and registry in
 * memory, so two processes on one folder would silently diverge; the second one is refused.
 *
 * The lock is an exclusive SQLite transaction held open on a small file in the folder, that is an
 * OS advisory lock (`fcntl`) that the kernel drops the moment its process ends, however it ends:
 * a crashed process's folder is taken over at once, with no stale timeout to wait out and no PID
 * that a restarted container could reuse. SQLite also refuses a second connection of the same
 * process, so two servers started in one test process collide as well.
 * @throws DataDirLockedError when a live process holds the folder.
 * @returns a function that releases the lock.
 * @example
 * const release = await lockDataDir("/var/lib/parley"); ...; await release();
 */
export function lockDataDir(dir: string): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  // timeout 0: refuse at once instead of waiting for the holder.
  const lock = new SqliteDriver(join(dir, DATA_DIR_LOCK_FILE), { timeout: 0 });
  try {
    lock.exec("BEGIN EXCLUSIVE");
  } catch (cause) {
    lock.close();
    return Promise.reject(
      new DataDirLockedError(
        `data folder ${dir} is in use by another Parley process; stop it, or choose another folder with --data-dir / PARLEY_DATA_DIR. To run several processes, use distributed mode (PostgreSQL, NATS, Redis)`,
        { cause },
      ),
    );
  }
  let released = false;
  return Promise.resolve(() => {
    if (!released) {
      released = true;
      lock.close(); // rolls the empty transaction back and drops the lock
    }
    return Promise.resolve();
  });
}
