import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A sealed secret that does not open: wrong key, or the stored value was changed. */
export class SealedSecretError extends Error {
  override readonly name = "SealedSecretError";
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES)
    throw new RangeError(`an AES-256 key has ${KEY_BYTES} bytes, got ${key.length}`);
}

/**
 * Encrypts a secret for storage with AES-256-GCM and a random 12-byte IV. The result is
 * base64(iv | tag | ciphertext); `aad` (for example the provider id) binds it to its row, so a
 * sealed value copied onto another row does not open.
 * @example
 * const stored = sealSecret(apiKey, secrets.key("encryption"), `provider:${id}`);
 */
export function sealSecret(plaintext: string, key: Buffer, aad = ""): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
}

/**
 * Decrypts what `sealSecret` produced with the same key and `aad`.
 * @throws SealedSecretError when the value is malformed, was altered, or the key differs.
 * @example
 * const apiKey = openSecret(row.api_key_sealed, secrets.key("encryption"), `provider:${row.id}`);
 */
export function openSecret(sealed: string, key: Buffer, aad = ""): string {
  checkKey(key);
  const bytes = Buffer.from(sealed, "base64");
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealedSecretError("sealed secret is too short");
  const iv = bytes.subarray(0, IV_BYTES);
  const tag = bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch (cause) {
    throw new SealedSecretError("sealed secret does not open: wrong key or altered value", { cause });
  }
}
