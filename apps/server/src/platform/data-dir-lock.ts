import { mkdirSync } from "node:fs";
import lockfile from "proper-lockfile";

/** Another live process holds the data folder. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
}

/**
 * Takes the data folder for this process. Embedded mode keeps the bus, log and registry in
 * memory, so two processes on one folder would silently diverge; the second one is refused.
 * A lock left by a crashed process goes stale after 10 s and is then taken over.
 * @returns a function that releases the lock.
 */
export async function lockDataDir(
  dir: string,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  mkdirSync(dir, { recursive: true });
  try {
    return await lockfile.lock(dir, {
      lockfilePath: `${dir}/.parley.lock`,
      stale: 10_000,
      update: 2_000,
      retries: 0,
      onCompromised,
    });
  } catch (cause) {
    throw new DataDirLockedError(
      `data folder ${dir} is in use by another Parley process (or one that exited less than 10 s ago); stop it, or choose another folder with --data-dir / PARLEY_DATA_DIR. To run several processes, use distributed mode (PostgreSQL, NATS, Redis)`,
      { cause },
    );
  }
}
