/** A promise that did not settle in time. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/**
 * Races `promise` against a timer; the timer never keeps the process alive.
 * @example
 * await withTimeout(db.ping(), 2_000, "database did not answer within 2 s");
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TimeoutError(message));
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
