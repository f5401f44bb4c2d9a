/** A blob key that no store accepts; the message says which rule it breaks. */
export class InvalidBlobKeyError extends Error {
  override readonly name = "InvalidBlobKeyError";
  /** Stable code for logs and error mapping. */
  readonly code = "blob.invalid_key";
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`invalid blob key ${JSON.stringify(key)}: ${reason}`);
    this.key = key;
  }
}

/** Longest key accepted, in UTF-8 bytes (S3 allows 1024). */
export const MAX_BLOB_KEY_BYTES = 1024;
/** Longest `/`-separated segment, in UTF-8 bytes; leaves room under the usual 255-byte file name limit. */
export const MAX_BLOB_SEGMENT_BYTES = 200;

/**
 * Checks that `key` is a relative `/`-separated path that cannot escape a store's root: no `..` or
 * `.` segment, no leading `/`, no empty segment (`a//b`, trailing `/`), no backslash, no NUL or other
 * control character. Every adapter applies the same rules, so a key valid for one is valid for all.
 * @throws InvalidBlobKeyError naming the broken rule.
 * @example
 * assertValidBlobKey("attachments/2024/report.pdf"); // ok
 * assertValidBlobKey("../etc/passwd"); // throws
 */
export function assertValidBlobKey(key: string): void {
  if (key.length === 0) throw new InvalidBlobKeyError(key, "it is empty");
  if (Buffer.byteLength(key) > MAX_BLOB_KEY_BYTES) {
    throw new InvalidBlobKeyError(key, `it is longer than ${MAX_BLOB_KEY_BYTES} bytes`);
  }
  if (hasControlCharacter(key)) throw new InvalidBlobKeyError(key, "it contains a control character or NUL");
  if (key.includes("\\")) throw new InvalidBlobKeyError(key, "it contains a backslash; separate with /");
  if (key.startsWith("/")) throw new InvalidBlobKeyError(key, "it is absolute; keys are relative paths");
  for (const segment of key.split("/")) {
    if (segment === "") throw new InvalidBlobKeyError(key, "it has an empty segment");
    if (segment === "." || segment === "..")
      throw new InvalidBlobKeyError(key, `it has a "${segment}" segment`);
    if (Buffer.byteLength(segment) > MAX_BLOB_SEGMENT_BYTES) {
      throw new InvalidBlobKeyError(key, `a segment is longer than ${MAX_BLOB_SEGMENT_BYTES} bytes`);
    }
  }
}

/** Whether `text` holds NUL, another C0 control character, or DEL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
