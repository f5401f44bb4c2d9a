import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DocumentProgress, ErrorEnvelope, KnowledgeDocument } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSse, type SseConnection, type SseEvent } from "../chat/sse-client.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { runParley, type ParleyProcess } from "../process-harness.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { createBase, settled, upload } from "./knowledge-client.ts";

/**
 * The live document events of a knowledge base (`GET …/events`), over real HTTP: a snapshot of
 * every document, then each stage of ingestion, re-index and delete as it happens; embedded, and
 * across pods (an api process relaying what a worker process reports through NATS).
 */

const progressOf = (events: SseEvent[], documentId: string): DocumentProgress[] =>
  events
    .filter((e) => e.event === "progress")
    .map((e) => e.data as DocumentProgress)
    .filter((p) => p.documentId === documentId);

const reached =
  (documentId: string, status: DocumentProgress["status"], after = 0) =>
  (events: SseEvent[]) =>
    progressOf(events, documentId)
      .slice(after)
      .some((p) => p.status === status);

/** The events URL of a base, with the bearer token the stream is opened with. */
function eventsOf(h: Harness, kbId: string, token: string): Promise<SseConnection> {
  return openSse(`${h.url}/api/v1/knowledge-bases/${kbId}/events`, { authorization: `Bearer ${token}` });
}

async function openStreams(h: Harness): Promise<number> {
  const metrics = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^parley_knowledge_event_streams(?:\{[^}]*\})? (\d+)$/m.exec(metrics)?.[1] ?? NaN);
}

describe("knowledge base events (embedded)", () => {
  let h: Harness;
  let teamId: string;
  beforeAll(async () => {
    h = await startHarness();
    teamId = (
      await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Live" } })
    ).body.id;
  });
  afterAll(async () => {
    await h.stop();
  });

  async function member(role: "viewer" | "developer") {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
    return u;
  }

  it("sends each document as it is, then every stage of uploads, re-index and delete as they happen", async () => {
    const dev = await member("developer");
    const viewer = await member("viewer");
    const kbId = await createBase(h, dev.token, "Live docs", teamId);
    const [old] = (await upload(h, dev.token, kbId, { "old.md": "# Old\n\nAlready here." })).body.documents;
    await settled(h, dev.token, kbId);

    const headers = await fetch(`${h.url}/api/v1/knowledge-bases/${kbId}/events`, {
      headers: { authorization: `Bearer ${viewer.token}` },
      signal: AbortSignal.timeout(5_000),
    });
    expect(headers.status).toBe(200);
    expect(headers.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(headers.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(headers.headers.get("x-content-type-options")).toBe("nosniff");
    await headers.body?.cancel();

    const live = await eventsOf(h, kbId, viewer.token);
    await live.until((events) => events.length >= 1);
    expect(live.events[0]).toEqual({
      id: null,
      event: "progress",
      data: {
        v: 1,
        knowledgeBaseId: kbId,
        documentId: old?.id,
        status: "ready",
        stage: "ready",
        progress: 1,
        chunkCount: 1,
        error: null,
      },
    });

    const sent = await upload(h, dev.token, kbId, {
      "new.md": "# New\n\nFresh text.\n\n## More\n\nAnd more.",
      "broken.pdf": "%PDF-1.4 garbage",
    });
    const [fresh, broken] = sent.body.documents as KnowledgeDocument[];
    await live.until(reached(fresh?.id ?? "", "ready"));
    await live.until(reached(broken?.id ?? "", "failed"));
    const stages = progressOf(live.events, fresh?.id ?? "");
    expect(stages.map((p) => [p.status, p.stage])).toEqual([
      ["queued", "queued"],
      ["processing", "parsing"],
      ["processing", "chunking"],
      ["processing", "indexing"],
      ["ready", "ready"],
    ]);
    const progress = stages.map((p) => p.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(stages.at(-1)).toMatchObject({ progress: 1, chunkCount: 2, error: null });
    expect(progressOf(live.events, broken?.id ?? "").at(-1)).toMatchObject({
      status: "failed",
      stage: "failed",
      error: "The PDF is damaged or not a PDF",
    });

    const before = progressOf(live.events, fresh?.id ?? "").length;
    await h.call("POST", `/api/v1/knowledge-bases/${kbId}/documents/${fresh?.id ?? ""}/reindex`, {
      token: dev.token,
    });
    await live.until(reached(fresh?.id ?? "", "ready", before));
    expect(progressOf(live.events, fresh?.id ?? "")[before]).toMatchObject({ status: "queued", progress: 0 });

    await h.call("DELETE", `/api/v1/knowledge-bases/${kbId}/documents/${old?.id ?? ""}`, {
      token: dev.token,
    });
    await live.until((events) => progressOf(events, old?.id ?? "").some((p) => p.deleted === true));

    // The stream ends on the server when the client leaves.
    await expect.poll(() => openStreams(h)).toBe(1);
    live.close();
    await expect.poll(() => openStreams(h)).toBe(0);
  });

  it("answers 404 for another team's knowledge base or an unknown one, as the other routes do", async () => {
    const dev = await member("developer");
    const kbId = await createBase(h, dev.token, "Private", teamId);
    const stranger = await h.user("developer");
    for (const [id, token] of [
      [kbId, stranger.token],
      ["no-such-base", dev.token],
    ] as const) {
      const res = await fetch(`${h.url}/api/v1/knowledge-bases/${id}/events`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as ErrorEnvelope;
      expect([res.status, body.error.code]).toEqual([404, "knowledge_base.not_found"]);
    }
    const anonymous = await fetch(`${h.url}/api/v1/knowledge-bases/${kbId}/events`);
    expect(anonymous.status).toBe(401);
  });
  it("holds at most PARLEY_MAX_STREAMS_PER_USER streams per user open, and frees a slot when one closes", async () => {
    const dev = await member("developer");
    const kbId = await createBase(h, dev.token, "Many tabs", teamId);
    const streams: SseConnection[] = [];
    for (let i = 0; i < 20; i++) streams.push(await eventsOf(h, kbId, dev.token));
    const refused = await fetch(`${h.url}/api/v1/knowledge-bases/${kbId}/events`, {
      headers: { authorization: `Bearer ${dev.token}` },
    });
    const body = (await refused.json()) as ErrorEnvelope;
    expect([refused.status, body.error.code]).toEqual([429, "rate_limit.exceeded"]);
    expect(refused.headers.get("retry-after")).toBe("5");
    // Another user is not affected.
    const other = await member("viewer");
    const theirs = await eventsOf(h, kbId, other.token);
    theirs.close();
    streams.pop()?.close();
    await expect.poll(() => openStreams(h)).toBe(19);
    const again = await eventsOf(h, kbId, dev.token);
    again.close();
    for (const s of streams) s.close();
    await expect.poll(() => openStreams(h)).toBe(0);
  });
});

describe("knowledge base events across pods (PostgreSQL, NATS, Redis)", () => {
  const namespace = uniqueId("kbev");
  const dataDir = mkdtempSync(join(tmpdir(), "parley-kb-events-"));
  let database: TestPostgres;
  let api: Harness;
  let worker: ParleyProcess;

  beforeAll(async () => {
    database = await createTestPostgres();
    const shared = {
      PARLEY_DATABASE_URL: database.url,
      PARLEY_NATS_URL: testServices.natsUrl,
      PARLEY_REDIS_URL: testServices.redisUrl,
      PARLEY_NAMESPACE: namespace,
      PARLEY_SECRET_KEY: "knowledge-events-secret-key-0123456789abcdef",
    };
    // The api process ingests nothing: every stage after `queued` comes from the worker process.
    api = await startHarness({ ...shared, PARLEY_ROLE: "api" }, { dataDir });
    worker = runParley(["start", "--role", "worker", "--port", "0", "--host", "127.0.0.1"], {
      ...shared,
      PARLEY_DATA_DIR: dataDir,
    });
    await worker.listening(60_000);
  }, 90_000);
  afterAll(async () => {
    worker.kill();
    await worker.exited();
    await api.stop();
    await database.drop();
    await cleanupNamespace(namespace);
  });

  it("relays on the api pod the stages a worker pod reports", async () => {
    const kbId = await createBase(api, api.adminToken, "Across pods");
    const live = await eventsOf(api, kbId, api.adminToken);
    const [doc] = (await upload(api, api.adminToken, kbId, { "pods.md": "# Pods\n\nApi and worker." })).body
      .documents;
    await live.until(reached(doc?.id ?? "", "ready"), 30_000);
    expect(progressOf(live.events, doc?.id ?? "").map((p) => p.stage)).toEqual([
      "queued",
      "parsing",
      "chunking",
      "indexing",
      "ready",
    ]);
    live.close();
  });
});
