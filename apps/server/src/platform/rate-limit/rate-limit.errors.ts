/**
 * The shared counter store (Redis) could not be reached or answered with an error. It is never a
 * rate-limit decision: the caller decides whether to fail open or closed. The original error is kept
 * as `cause`.
 */
export class RateLimitStoreError extends Error {
  override readonly name = "RateLimitStoreError";
  /** Stable code for logs and metrics. */
  readonly code = "rate_limit.store_unavailable";
}
