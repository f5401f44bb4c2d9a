import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProviderDeclaration, Role } from "@parley/contracts";
import { ProviderDeclaration as ProviderDeclarationSchema } from "@parley/contracts";
import { createTestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import { deriveSecrets } from "../../platform/secrets.ts";
import { AuditService } from "../audit/index.ts";
import type { Principal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { ProvidersLogger } from "./provider-directory.ts";
import { createProvidersModule, type ProvidersDeps, type ProvidersModule } from "./providers.module.ts";

/** The secrets every providers test seals with. */
export const testSecrets = deriveSecrets("test-secret-providers-0123456789abcdef");

/** 2026-11-22T00:00:00Z: where test clocks start. */
export const T0 = Date.UTC(2026, 10, 22);

/** A logger that keeps its lines, to check what was (and was not) logged. */
export class MemoryLogger implements ProvidersLogger {
  readonly lines: { level: string; fields: object; message: string }[] = [];
  debug(fields: object, message: string): void {
    this.lines.push({ level: "debug", fields, message });
  }
  info(fields: object, message: string): void {
    this.lines.push({ level: "info", fields, message });
  }
  warn(fields: object, message: string): void {
    this.lines.push({ level: "warn", fields, message });
  }
  error(fields: object, message: string): void {
    this.lines.push({ level: "error", fields, message });
  }
}

/** A principal with `globalRole`. */
export function principal(globalRole: Role): Principal {
  return {
    kind: "user",
    userId: `u_${globalRole}`,
    email: `${globalRole}@example.com`,
    globalRole,
    teams: new Map(),
  };
}

/** A request context of a user with `role` (default admin). */
export function ctxOf(role: Role = "admin"): RequestContext {
  return { requestId: "req-1", ip: "203.0.113.7", userAgent: "test", principal: principal(role) };
}

/** Parses declarations as `PARLEY_PROVIDERS` would (defaults applied). */
export function declare(...providers: unknown[]): ProviderDeclaration[] {
  return providers.map((p) => ProviderDeclarationSchema.parse(p));
}

/** Parses one declaration as `POST /api/v1/providers` would. */
export function declareOne(provider: unknown): ProviderDeclaration {
  return ProviderDeclarationSchema.parse(provider);
}

/** A module on a migrated database, with its clock, audit service and logger. */
export interface ProvidersHarness {
  database: Database;
  module: ProvidersModule;
  clock: ManualClock;
  audit: AuditService;
  logger: MemoryLogger;
  /** Another module on the same database, as another pod would have. */
  otherPod(overrides?: Partial<ProvidersDeps>): ProvidersModule;
}

type Target = { dialect: "sqlite"; file: string } | { dialect: "postgres"; url: string; poolSize: number };

/** Builds harnesses on one dialect and cleans up after them. */
export function providersFactory(dialect: "sqlite" | "postgres") {
  const cleanups: (() => Promise<void>)[] = [];
  const target = async (): Promise<Target> => {
    if (dialect === "sqlite")
      return { dialect, file: join(mkdtempSync(join(tmpdir(), "parley-prov-")), "p.db") };
    const pg = await createTestPostgres();
    cleanups.push(() => pg.drop());
    return { dialect, url: pg.url, poolSize: 4 };
  };
  return {
    async create(overrides: Partial<ProvidersDeps> = {}): Promise<ProvidersHarness> {
      const database = openDatabase(await target());
      cleanups.push(() => database.close());
      await migrateToLatest(database);
      const clock = new ManualClock(T0);
      const audit = new AuditService({ database, secrets: testSecrets, clock });
      const logger = new MemoryLogger();
      const deps = (more: Partial<ProvidersDeps>): ProvidersDeps => ({
        database,
        secrets: testSecrets,
        audit,
        clock,
        logger,
        config: { providers: [], ollamaUrl: "http://127.0.0.1:9", ollamaDetect: false },
        ...overrides,
        ...more,
      });
      return {
        database,
        module: createProvidersModule(deps({})),
        clock,
        audit,
        logger,
        otherPod: (more = {}) => createProvidersModule(deps(more)),
      };
    },
    async cleanup() {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    },
  };
}
