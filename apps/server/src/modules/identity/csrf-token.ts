import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * CSRF tokens bound to a sign-in session: HMAC-SHA256 of the session (refresh-token family) id
 * under a server key. Every pod computes the same token without storing it, a token is useless
 * for any other session, and a cookie planted by a neighbouring site cannot match it.
 */
export class CsrfTokens {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    this.#key = key;
  }

  /**
   * The session's token.
   * @example
   * const token = csrf.forSession(familyId); csrf.matches(familyId, token) // true
   */
  forSession(sessionId: string): string {
    return createHmac("sha256", this.#key).update(`parley/csrf/${sessionId}`).digest("base64url");
  }

  /** Whether `given` is the token of `sessionId` (constant-time). */
  matches(sessionId: string, given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(this.forSession(sessionId));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
