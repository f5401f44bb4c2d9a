// Generates the secrets of the compose installation once: Parley's master secret and
// PostgreSQL's password, kept in the parley-secrets volume. Existing files are never replaced:
// a new master secret would invalidate every session and the audit seal.
// Usage (as root, in the Parley image): node generate-secrets.mjs /run/parley-secrets
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "/run/parley-secrets";
mkdirSync(dir, { recursive: true });
chmodSync(dir, 0o755);

const passwordFile = join(dir, "postgres-password");
if (!existsSync(passwordFile)) {
  writeFileSync(passwordFile, randomBytes(24).toString("hex"), { flag: "wx" });
  console.log("generated the PostgreSQL password");
}
// Read by the PostgreSQL image's entrypoint, which runs as its own user.
chmodSync(passwordFile, 0o444);

const configFile = join(dir, "parley.json");
if (!existsSync(configFile)) {
  const password = readFileSync(passwordFile, "utf8").trim();
  const config = {
    secretKey: randomBytes(48).toString("base64url"),
    databaseUrl: `postgres://parley:${password}@postgres:5432/parley`,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { flag: "wx" });
  console.log("generated Parley's master secret");
}
// Readable by the Parley processes (UID 1001 in group 0, or any UID in group 0) only.
chownSync(configFile, 1001, 0);
chmodSync(configFile, 0o440);
