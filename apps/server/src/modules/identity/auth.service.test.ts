import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../app/migrations.ts";
import { AppError } from "../../kernel/app-error.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import { MemoryRateLimiter } from "../../platform/rate-limit/memory-rate-limiter.ts";
import { deriveSecrets } from "../../platform/secrets.ts";
import { AuditService } from "../audit/index.ts";
import { toJson } from "../../db/json.ts";
import { PRINCIPAL_CACHE_MS, AuthService } from "./auth.service.ts";
import { CredentialRepository } from "./credential.repository.ts";
import { IdentityChanges } from "./identity-changes.ts";
import { hashSecret, newId, newSecret } from "../../kernel/ids.ts";
import { systemContext, type RequestContext } from "../../kernel/request-context.ts";
import { TokenService } from "./token.service.ts";
import { TeamRepository } from "./team.repository.ts";
import { UserRepository } from "./user.repository.ts";
import { UserService } from "./user.service.ts";
import { tablesOf } from "../../platform/db/database.ts";

let database: Database;
let audit: AuditService;
const clock = new ManualClock(Date.UTC(2026, 10, 22));
const secrets = deriveSecrets("auth-service-test-secret-0123456789");

beforeAll(async () => {
  database = openDatabase({
    dialect: "sqlite",
    file: join(mkdtempSync(join(tmpdir(), "parley-auth-")), "p.db"),
  });
  await migrateToLatest(database);
  audit = new AuditService({ database, secrets, clock });
  const users = new UserService({
    users: new UserRepository(tablesOf(database.db)),
    credentials: new CredentialRepository(tablesOf(database.db)),
    audit,
    clock,
  });
  await users.create(
    { email: "dev@parley.test", name: "Dev", password: "a sturdy password", globalRole: "developer" },
    systemContext,
  );
});
afterAll(async () => {
  await database.close();
});

function service(delays: number[]): AuthService {
  return new AuthService({
    users: new UserRepository(tablesOf(database.db)),
    credentials: new CredentialRepository(tablesOf(database.db)),
    tokens: new TokenService({ key: secrets.key("jwt"), clock }),
    limiter: new MemoryRateLimiter(),
    audit,
    clock,
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
}

const ctx = (ip: string): RequestContext => ({ requestId: "r", ip, userAgent: null, principal: null });

async function failure(auth: AuthService, email: string, ip: string): Promise<string> {
  try {
    await auth.login(email, "wrong password!", ctx(ip));
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return "signed in";
}

describe("brute-force protection", () => {
  it.each(["dev@parley.test", "nobody@parley.test"])(
    "slows down and then locks %s the same way whether the account exists or not",
    async (email) => {
      const delays: number[] = [];
      const auth = service(delays);
      const outcomes: string[] = [];
      for (let i = 0; i < 11; i++) outcomes.push(await failure(auth, email, "10.0.0.1"));
      expect(outcomes.slice(0, 10)).toEqual(Array(10).fill("auth.invalid_credentials"));
      expect(outcomes[10]).toBe("auth.locked");
      // Growing delays from the fourth attempt on, capped.
      expect(delays).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    },
  );

  it("locks an IP that tries many accounts", async () => {
    const auth = service([]);
    const outcomes = new Set<string>();
    for (let i = 0; i < 51; i++) outcomes.add(await failure(auth, `victim${i}@parley.test`, "192.0.2.99"));
    expect(outcomes).toEqual(new Set(["auth.invalid_credentials", "auth.locked"]));
    expect(await failure(auth, "dev@parley.test", "192.0.2.99")).toBe("auth.locked");
    // Another IP is not affected.
    expect(await failure(auth, "dev@parley.test", "192.0.2.100")).toBe("auth.invalid_credentials");
  });

  it("forgets an account's failures after a successful sign-in", async () => {
    const delays: number[] = [];
    const auth = service(delays);
    for (let i = 0; i < 5; i++) await failure(auth, "dev@parley.test", "10.1.0.1");
    await auth.login("dev@parley.test", "a sturdy password", ctx("10.1.0.1"));
    delays.length = 0;
    await failure(auth, "dev@parley.test", "10.1.0.1");
    expect(delays).toEqual([]);
  });

  it.each(["dev@parley.test", "nobody-at-all@parley.test"])(
    "locks a stranger's IP after 10 failures on %s while the account stays open from other IPs",
    async (email) => {
      const auth = service([]);
      for (let i = 0; i < 10; i++) await failure(auth, email, "203.0.113.7");
      expect(await failure(auth, email, "203.0.113.7")).toBe("auth.locked");
      expect(await failure(auth, email, "203.0.113.8")).toBe("auth.invalid_credentials");
    },
  );

  it("caps attempts on one account at 100 an hour across IPs, except from an IP it signed in from", async () => {
    const auth = service([]);
    await auth.login("dev@parley.test", "a sturdy password", ctx("198.51.100.1"));
    const outcomes: string[] = [];
    for (let i = 0; i < 110; i++)
      outcomes.push(await failure(auth, "dev@parley.test", `10.9.${Math.floor(i / 10)}.1`));
    expect(outcomes.filter((o) => o === "auth.invalid_credentials")).toHaveLength(100);
    expect(outcomes.slice(100)).toEqual(Array(10).fill("auth.locked"));
    await expect(
      auth.login("dev@parley.test", "a sturdy password", ctx("198.51.100.2")),
    ).rejects.toMatchObject({ code: "auth.locked" });
    await expect(
      auth.login("dev@parley.test", "a sturdy password", ctx("198.51.100.1")),
    ).resolves.toMatchObject({ user: { email: "dev@parley.test" } });
  });

  it("audits every failed sign-in with its reason", async () => {
    const auth = service([]);
    await failure(auth, "nobody-else@parley.test", "10.2.0.1");
    const page = await audit.list({ action: "auth.login_failed", limit: 200 });
    const mine = page.items.filter((e) => e.actor.email === "nobody-else@parley.test");
    expect(mine).toHaveLength(1);
    expect(mine[0]?.summary).toMatchObject({ reason: "unknown_email" });
    expect(mine[0]?.ip).toBe("10.2.0.1");
  });
});

describe("access tokens", () => {
  it("expire after 15 minutes", async () => {
    const auth = service([]);
    const session = await auth.login("dev@parley.test", "a sturdy password", ctx("10.3.0.1"));
    await expect(auth.authenticate(session.accessToken)).resolves.toBeDefined();
    clock.advance(15 * 60 * 1000 + 1000);
    await expect(auth.authenticate(session.accessToken)).rejects.toMatchObject({
      code: "auth.invalid_token",
    });
    const refreshed = await auth.refresh(session.refreshToken, ctx("10.3.0.1"));
    await expect(auth.authenticate(refreshed.accessToken)).resolves.toBeDefined();
  });

  it("refresh tokens expire after 7 days", async () => {
    const auth = service([]);
    const session = await auth.login("dev@parley.test", "a sturdy password", ctx("10.4.0.1"));
    clock.advance(7 * 24 * 60 * 60 * 1000 + 1000);
    await expect(auth.refresh(session.refreshToken, ctx("10.4.0.1"))).rejects.toMatchObject({
      code: "auth.invalid_token",
    });
  });
});

describe("API key principals", () => {
  /** A key stored for dev@parley.test, and an auth service wired to `changes` like the module is. */
  async function setup() {
    const changes = new IdentityChanges();
    const credentials = new CredentialRepository(tablesOf(database.db), changes);
    const users = new UserRepository(tablesOf(database.db), changes);
    const auth = new AuthService({
      users,
      credentials,
      tokens: new TokenService({ key: secrets.key("jwt"), clock }),
      limiter: new MemoryRateLimiter(),
      audit,
      clock,
      changes,
    });
    const owner = await users.findByEmail("dev@parley.test");
    if (!owner) throw new Error("no owner");
    const id = newId();
    const key = `pk_${id}_${newSecret()}`;
    await credentials.insertApiKey({
      id,
      user_id: owner.id,
      team_id: null,
      name: "cached",
      key_hash: hashSecret(key),
      permissions: toJson(["ai:use"]),
      created_at: clock.now(),
      expires_at: clock.now() + 60 * 60_000,
      last_used_at: null,
      revoked_at: null,
    });
    return { auth, credentials, users, owner, id, key };
  }
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => "accepted",
      (error: unknown) => (error instanceof AppError ? error.code : "thrown"),
    );

  it("stops accepting a key revoked through this process at once", async () => {
    const { auth, credentials, id, key } = await setup();
    expect((await auth.authenticate(key)).principal.apiKey?.id).toBe(id);
    await credentials.revokeApiKey(id, clock.now());
    expect(await codeOf(auth.authenticate(key))).toBe("auth.invalid_token");
  });

  it("applies a change made elsewhere (another pod) within the cache time, and a role change here at once", async () => {
    const { auth, users, owner, key } = await setup();
    expect((await auth.authenticate(key)).principal.globalRole).toBe("developer");
    // Another pod's repositories do not share this process's change counter.
    await new UserRepository(tablesOf(database.db)).update(owner.id, { global_role: "viewer" });
    expect((await auth.authenticate(key)).principal.globalRole).toBe("developer");
    clock.advance(PRINCIPAL_CACHE_MS);
    expect((await auth.authenticate(key)).principal.globalRole).toBe("viewer");
    await users.update(owner.id, { global_role: "developer" });
    expect((await auth.authenticate(key)).principal.globalRole).toBe("developer");
  });

  it("ends a session signed out through this process at once, though its principal was cached", async () => {
    const { auth } = await setup();
    const session = await auth.login("dev@parley.test", "a sturdy password", ctx("10.9.9.9"));
    const { sessionId } = await auth.authenticate(session.accessToken);
    expect(sessionId).not.toBeNull();
    await auth.logout(session.refreshToken, sessionId ?? undefined, ctx("10.9.9.9"));
    expect(await codeOf(auth.authenticate(session.accessToken))).toBe("auth.invalid_token");
  });

  it("never serves a key past its own expiry from the cache", async () => {
    const { auth, key } = await setup();
    await auth.authenticate(key);
    clock.advance(60 * 60_000);
    expect(await codeOf(auth.authenticate(key))).toBe("auth.invalid_token");
  });
});

describe("principals outside a request", () => {
  it("reads an account with its team roles, and none for an account that does not exist", async () => {
    const auth = service([]);
    const user = await new UserRepository(tablesOf(database.db)).findByEmail("dev@parley.test");
    if (!user) throw new Error("the seeded user is missing");
    const teams = new TeamRepository(tablesOf(database.db));
    await teams.insert({
      id: "team-principal",
      name: "Principals",
      slug: "principals",
      created_at: clock.now(),
      updated_at: clock.now(),
    });
    await teams.upsertMember("team-principal", user.id, "admin", clock.now());
    const principal = await auth.principalOfUser(user.id);
    expect(principal).toMatchObject({ kind: "user", userId: user.id, globalRole: "developer" });
    expect(principal?.teams.get("team-principal")).toBe("admin");
    expect(await auth.principalOfUser("no-such-user")).toBeNull();
  });
});
