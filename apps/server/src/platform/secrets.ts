import { hkdfSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What a derived key is for; each purpose gets its own independent key. */
export type KeyPurpose = "jwt" | "audit" | "encryption" | "csrf" | "widget" | "billing";

/** Keys derived from the installation's secret. */
export interface Secrets {
  /** A 32-byte key for `purpose`, the same in every process sharing the secret. */
  key(purpose: KeyPurpose): Buffer;
}

/**
 * Derives purpose-specific keys (HKDF-SHA256) from one master secret, so that a leak of one
 * (say, a JWT key) reveals nothing about another (the audit seal).
 * @example
 * const secrets = deriveSecrets(config.secretKey); const jwtKey = secrets.key("jwt");
 */
export function deriveSecrets(master: string): Secrets {
  const cache = new Map<KeyPurpose, Buffer>();
  return {
    key(purpose) {
      let key = cache.get(purpose);
      if (!key) {
        key = Buffer.from(hkdfSync("sha256", master, "parley", `parley/${purpose}/v1`, 32));
        cache.set(purpose, key);
      }
      return key;
    },
  };
}

/**
 * The master secret: the configured one, or in embedded mode one generated on first start and
 * kept in `<dataDir>/secret.key` (mode 0600).
 */
export function loadMasterSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, "secret.key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}
