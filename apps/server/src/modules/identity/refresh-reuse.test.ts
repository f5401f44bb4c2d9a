import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../app/migrations.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database, type DatabaseTarget } from "../../platform/db/database.ts";
import { createTestPostgres } from "../../../test/postgres.ts";
import { MemoryRateLimiter } from "../../platform/rate-limit/memory-rate-limiter.ts";
import { deriveSecrets } from "../../platform/secrets.ts";
import { AuditService } from "../audit/index.ts";
import { AuthService } from "./auth.service.ts";
import { CredentialRepository } from "./credential.repository.ts";
import { systemContext } from "../../kernel/request-context.ts";
import { TokenService } from "./token.service.ts";
import { UserRepository } from "./user.repository.ts";
import { UserService } from "./user.service.ts";
import { tablesOf } from "../../platform/db/database.ts";

const GRACE_MS = 10_000;
const clock = new ManualClock(Date.UTC(2026, 10, 22));
const cleanups: (() => Promise<void>)[] = [];
let auth: AuthService;

async function target(dialect: "sqlite" | "postgres"): Promise<DatabaseTarget> {
  if (dialect === "sqlite") {
    return { dialect, file: join(mkdtempSync(join(tmpdir(), "parley-refresh-")), "p.db") };
  }
  const pgdb = await createTestPostgres();
  cleanups.push(() => pgdb.drop());
  return { dialect, url: pgdb.url, poolSize: 8 };
}

/** An auth service on a fresh database of `dialect` with one account, `tabs@parley.test`. */
async function start(dialect: "sqlite" | "postgres"): Promise<AuthService> {
  const database: Database = openDatabase(await target(dialect));
  cleanups.unshift(() => database.close());
  await migrateToLatest(database);
  const secrets = deriveSecrets("refresh-reuse-test-secret-0123456789");
  const audit = new AuditService({ database, secrets, clock });
  const credentials = new CredentialRepository(tablesOf(database.db));
  const users = new UserRepository(tablesOf(database.db));
  await new UserService({ users, credentials, audit, clock }).create(
    { email: "tabs@parley.test", name: "Tabs", password: "a sturdy password", globalRole: "developer" },
    systemContext,
  );
  return new AuthService({
    users,
    credentials,
    tokens: new TokenService({ key: secrets.key("jwt"), clock }),
    limiter: new MemoryRateLimiter(),
    audit,
    clock,
    refreshReuseGraceMs: GRACE_MS,
  });
}

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const signIn = () => auth.login("tabs@parley.test", "a sturdy password", systemContext);
const sessionOf = async (accessToken: string) => (await auth.authenticate(accessToken)).sessionId;

describe.each(["sqlite", "postgres"] as const)("refresh token reuse on %s", (dialect) => {
  beforeAll(async () => {
    auth = await start(dialect);
  });

  it("gives every parallel refresh of one token a working pair in the same session", async () => {
    const first = await signIn();
    const pairs = await Promise.all(
      Array.from({ length: 8 }, () => auth.refresh(first.refreshToken, systemContext)),
    );
    const sid = await sessionOf(first.accessToken);
    for (const pair of pairs) expect(await sessionOf(pair.accessToken)).toBe(sid);
    // Each sibling refresh token rotates on normally.
    for (const pair of pairs)
      await expect(auth.refresh(pair.refreshToken, systemContext)).resolves.toBeDefined();
  });

  it("accepts a repeat until the grace after the first use ends, and then revokes the session", async () => {
    const first = await signIn();
    const next = await auth.refresh(first.refreshToken, systemContext);
    clock.advance(GRACE_MS);
    await expect(auth.refresh(first.refreshToken, systemContext)).resolves.toBeDefined();
    clock.advance(1);
    await expect(auth.refresh(first.refreshToken, systemContext)).rejects.toMatchObject({
      code: "auth.invalid_token",
    });
    await expect(auth.authenticate(next.accessToken)).rejects.toMatchObject({ code: "auth.invalid_token" });
    await expect(auth.refresh(next.refreshToken, systemContext)).rejects.toMatchObject({
      code: "auth.invalid_token",
    });
  });

  it("does not let a repeat within the grace revive a signed-out session", async () => {
    const first = await signIn();
    await auth.refresh(first.refreshToken, systemContext);
    await auth.logout(first.refreshToken, undefined, systemContext);
    await expect(auth.refresh(first.refreshToken, systemContext)).rejects.toMatchObject({
      code: "auth.invalid_token",
    });
  });
});
