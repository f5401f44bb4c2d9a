import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { knowledgeEventTopics, knowledgeTopics, type DocumentProgress } from "@parley/contracts";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { allTables } from "../../../test/all-tables.ts";
import { createTestPostgres, type TestPostgres } from "../../../test/postgres.ts";
import { migrateToLatest } from "../../app/migrations.ts";
import { TypedBus } from "../../kernel/typed-bus.ts";
import { FolderBlobStore } from "../../platform/blob/folder-blob-store.ts";
import { MemoryBus } from "../../platform/bus/memory-bus.ts";
import { ManualClock } from "../../platform/clock/clock.ts";
import { openDatabase, type Database } from "../../platform/db/database.ts";
import {
  ABANDONED_UPLOAD_MS,
  MAX_SWEEPS,
  STRANDED_REASON,
  sweepIngestion,
  type IngestSweepDeps,
} from "./ingest-sweep.ts";
import { KnowledgeSweepRepository } from "./knowledge-sweep.repository.ts";
import { KnowledgeUploadsRepository } from "./knowledge-uploads.repository.ts";

const T0 = Date.UTC(2026, 11, 7);
const MINUTE = 60_000;
const STALE = 10 * MINUTE;

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`the ingestion sweep (${dialect})`, () => {
    let pgdb: TestPostgres | null = null;
    let database: Database;
    let raw: MemoryBus;
    let deps: IngestSweepDeps;
    let clock: ManualClock;
    let kbId: string;
    /** Ingestion jobs the sweep queued, by document id. */
    const jobs: string[] = [];
    const events: DocumentProgress[] = [];

    beforeAll(async () => {
      pgdb = dialect === "postgres" ? await createTestPostgres() : null;
      database = openDatabase(
        pgdb
          ? { dialect: "postgres", url: pgdb.url, poolSize: 4 }
          : { dialect: "sqlite", file: join(mkdtempSync(join(tmpdir(), "parley-sweep-")), "p.db") },
      );
      await migrateToLatest(database);
      clock = new ManualClock(T0);
      const logger = pino({ level: "silent" });
      raw = new MemoryBus({ clock });
      const bus = new TypedBus({ bus: raw, malformed: { inc: () => undefined }, logger });
      await bus.consume(
        knowledgeTopics.ingest,
        (job) => {
          jobs.push(job.payload.documentId);
          return Promise.resolve();
        },
        { concurrency: 1, ackWaitMs: 60_000, maxAttempts: 1 },
      );
      await bus.subscribe(knowledgeEventTopics.progress, (event) => events.push(event));
      deps = {
        sweeps: new KnowledgeSweepRepository(database),
        uploads: new KnowledgeUploadsRepository(database),
        blobs: new FolderBlobStore({ root: mkdtempSync(join(tmpdir(), "parley-sweep-blobs-")) }),
        bus,
        clock,
        logger,
        staleAfterMs: STALE,
      };
      const db = allTables(database);
      const userId = randomUUID();
      await db
        .insertInto("users")
        .values({
          id: userId,
          email: `${userId}@parley.test`,
          name: "Owner",
          password_hash: null,
          global_role: "developer",
          status: "active",
          created_at: T0,
          updated_at: T0,
          last_login_at: null,
        })
        .execute();
      kbId = randomUUID();
      await db
        .insertInto("knowledge_bases")
        .values({
          id: kbId,
          owner_id: userId,
          team_id: null,
          name: "KB",
          description: "",
          created_at: T0,
          updated_at: T0,
        })
        .execute();
    }, 60_000);
    afterAll(async () => {
      await raw.close();
      await database.close();
      await pgdb?.drop();
    });

    // Each test sweeps only its own documents.
    beforeEach(async () => {
      await allTables(database).deleteFrom("knowledge_documents").execute();
    });

    /** A document row stored straight, as a process that died would leave it. */
    async function seed(status: string, updatedAt: number): Promise<string> {
      const id = randomUUID();
      await allTables(database)
        .insertInto("knowledge_documents")
        .values({
          id,
          knowledge_base_id: kbId,
          name: `${status}.md`,
          media_type: "text/markdown",
          size_bytes: 10,
          sha256: status === "uploading" ? `pending:${id}` : id,
          blob_key: `knowledge/${kbId}/${id}`,
          status,
          error: null,
          chunk_count: 0,
          content: null,
          created_at: updatedAt,
          updated_at: updatedAt,
        })
        .execute();
      return id;
    }
    const row = (id: string) =>
      allTables(database)
        .selectFrom("knowledge_documents")
        .select(["status", "error", "sweeps", "updated_at"])
        .where("id", "=", id)
        .executeTakeFirst();
    /** Lets the memory bus deliver what the sweep queued and published. */
    const delivered = () => new Promise((resolve) => setImmediate(resolve));

    it("queues again what was left queued or processing past the stale time, and leaves the rest", async () => {
      const start = clock.now();
      const queued = await seed("queued", start);
      const processing = await seed("processing", start);
      const recent = await seed("queued", start + 5 * MINUTE);
      const ready = await seed("ready", start);
      clock.advance(STALE + 1);
      const report = await sweepIngestion(deps);
      await delivered();
      expect(report).toMatchObject({ requeued: 2, failed: 0 });
      expect(await row(queued)).toMatchObject({ status: "queued", sweeps: 0, updated_at: clock.now() });
      expect(await row(processing)).toMatchObject({ status: "queued", sweeps: 1, updated_at: clock.now() });
      expect(await row(recent)).toMatchObject({ status: "queued", updated_at: start + 5 * MINUTE });
      expect(await row(ready)).toMatchObject({ status: "ready" });
      expect(jobs.filter((id) => [queued, processing, recent, ready].includes(id)).sort()).toEqual(
        [queued, processing].sort(),
      );
      expect(events.filter((e) => e.documentId === processing)).toEqual([
        expect.objectContaining({ status: "queued", stage: "queued", progress: 0, knowledgeBaseId: kbId }),
      ]);
      // Just handed on: the next sweep leaves them to their new jobs.
      expect(await sweepIngestion(deps)).toMatchObject({ requeued: 0 });
    });

    it(`fails a document that strands its worker ${MAX_SWEEPS + 1} times, with the reason and an event`, async () => {
      const id = await seed("processing", clock.now());
      for (let sweep = 1; sweep <= MAX_SWEEPS; sweep++) {
        clock.advance(STALE + 1);
        await sweepIngestion(deps);
        expect(await row(id)).toMatchObject({ status: "queued", sweeps: sweep });
        // A worker takes the job and dies mid-document again.
        await allTables(database)
          .updateTable("knowledge_documents")
          .set({ status: "processing", updated_at: clock.now() })
          .where("id", "=", id)
          .execute();
      }
      clock.advance(STALE + 1);
      expect(await sweepIngestion(deps)).toMatchObject({ failed: 1 });
      await delivered();
      expect(await row(id)).toMatchObject({ status: "failed", error: STRANDED_REASON });
      expect(events.filter((e) => e.documentId === id).at(-1)).toMatchObject({
        status: "failed",
        stage: "failed",
        error: STRANDED_REASON,
      });
      // A re-index starts it over with a clean slate.
      await deps.sweeps.requeue(id, clock.now());
      expect(await row(id)).toMatchObject({ status: "queued", error: null, sweeps: 0 });
    });

    it("removes a half-uploaded file and its row after an hour, not before", async () => {
      const old = await seed("uploading", clock.now());
      clock.advance(30 * MINUTE);
      const young = await seed("uploading", clock.now());
      for (const id of [old, young]) await deps.blobs.put(`knowledge/${kbId}/${id}`, Buffer.from("part"));
      clock.advance(ABANDONED_UPLOAD_MS - 30 * MINUTE + 1);
      expect(await sweepIngestion(deps)).toMatchObject({ uploadsRemoved: 1 });
      expect(await row(old)).toBeUndefined();
      expect(await deps.blobs.stat(`knowledge/${kbId}/${old}`)).toBeNull();
      expect(await row(young)).toMatchObject({ status: "uploading" });
      expect(await deps.blobs.stat(`knowledge/${kbId}/${young}`)).not.toBeNull();
    });

    it("hands a document on once when two workers sweep at the same time", async () => {
      const id = await seed("queued", clock.now());
      clock.advance(STALE + 1);
      const before = jobs.length;
      const reports = await Promise.all([sweepIngestion(deps), sweepIngestion(deps)]);
      await delivered();
      expect(reports.reduce((n, r) => n + r.requeued, 0)).toBe(1);
      expect(jobs.slice(before)).toEqual([id]);
    });

    it("at the start of a process alone on its database, takes everything unfinished as stranded", async () => {
      const queued = await seed("queued", clock.now() - 1);
      const staged = await seed("uploading", clock.now() - 1);
      expect(await sweepIngestion(deps)).toMatchObject({ requeued: 0, uploadsRemoved: 0 });
      expect(await sweepIngestion(deps, { everything: true })).toMatchObject({
        requeued: 1,
        uploadsRemoved: 1,
      });
      expect(await row(queued)).toMatchObject({ status: "queued", updated_at: clock.now() });
      expect(await row(staged)).toBeUndefined();
    });
  });
}
