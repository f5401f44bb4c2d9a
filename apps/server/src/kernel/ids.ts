import { createHash, randomBytes, randomUUID } from "node:crypto";

/** A new opaque identifier. */
export function newId(): string {
  return randomUUID();
}

/** A high-entropy secret token (refresh tokens, invitation links, API key secrets), URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * SHA-256 of a high-entropy secret, for lookup and storage. Secrets made by `newSecret` carry
 * 256 bits of entropy, so a fast hash is enough; passwords use argon2id instead.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** ms timestamp → ISO string, keeping null. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * A URL-safe slug from a name (lowercase letters, digits, dashes; at most 40 characters), or
 * `<fallback>-<random>` when nothing usable is left (a name of emoji, say).
 * @example slugify("Release Notes Bot!", "assistant") // "release-notes-bot"
 */
export function slugify(name: string, fallback: string): string {
  const base = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return base || `${fallback}-${newId().slice(0, 8)}`;
}
