/**
 * A value now, or later. Hot paths (a stage's `before`, a detector's scan) answer synchronously
 * when they can: each `await` hands the thread to whatever else is queued, and under a burst of
 * requests those hand-overs interleave every request's work with every other's, so each one
 * finishes later (processor sharing instead of first come, first served).
 */
export type MaybePromise<T> = T | Promise<T>;

/** Whether `value` is a promise (anything with a `then`). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as Partial<PromiseLike<T>> | undefined)?.then === "function";
}

/**
 * Applies `next` to `value` now if it is a plain value, else once it resolves.
 *
 * @example
 * andThen(detector.detect(text), (matches) => matches.length); // a number, or a promise of one
 */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromiseLike(value) ? value.then(next) : next(value);
}
