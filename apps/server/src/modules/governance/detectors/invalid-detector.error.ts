/**
 * A detector spec that passed its schema but cannot be built: a pattern that is not a valid
 * regular expression, or one the linear-time engine cannot run (lookaround, backreferences).
 * The governance module maps it to its typed error code when it lands; until then the message
 * says what to change.
 */
export class InvalidDetectorError extends Error {
  override readonly name = "InvalidDetectorError";
}
