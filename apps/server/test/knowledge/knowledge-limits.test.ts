import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { blobFiles, createBase, documentRows, documents, settled, upload } from "./knowledge-client.ts";

/**
 * Limits and races of uploads, in both shapes (the storage limit is kept by SQLite's write lock
 * embedded, by an advisory lock on PostgreSQL): per-file and per-team sizes (413 with the limit),
 * all-or-nothing uploads, and one document for one content however many uploads race.
 */
const MB = 1024 * 1024;
const FILE_LIMIT = MB;
const TEAM_LIMIT = 3 * MB;

/** A distinct markdown file of exactly `bytes` bytes. */
const fileOf = (bytes: number, tag: string) => `# ${tag}\n\n`.padEnd(bytes, "x");

for (const shape of ["embedded", "distributed"] as const) {
  describe(`knowledge upload limits (${shape})`, () => {
    let h: Harness;
    let database: TestPostgres | null = null;
    const namespace = uniqueId("kbl");

    beforeAll(async () => {
      database = shape === "distributed" ? await createTestPostgres() : null;
      h = await startHarness({
        PARLEY_KNOWLEDGE_MAX_FILE_BYTES: String(FILE_LIMIT),
        PARLEY_KNOWLEDGE_MAX_TEAM_BYTES: String(TEAM_LIMIT),
        ...(database
          ? {
              PARLEY_DATABASE_URL: database.url,
              PARLEY_NATS_URL: testServices.natsUrl,
              PARLEY_REDIS_URL: testServices.redisUrl,
              PARLEY_NAMESPACE: namespace,
              PARLEY_SECRET_KEY: "knowledge-limits-secret-key-0123456789abcdef",
            }
          : {}),
      });
    }, 60_000);
    afterAll(async () => {
      await h.stop();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    });

    /** A fresh team (its own storage) with a developer in it (one everywhere), and a base there. */
    async function freshTeam() {
      const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
        token: h.adminToken,
        body: { name: uniqueId("team") },
      });
      const dev = await h.user("developer");
      await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${dev.id}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
      return { teamId: team.body.id, dev, kbId: await createBase(h, dev.token, "Docs", team.body.id) };
    }

    it("refuses a file over the per-file limit with 413 naming the limit, keeping nothing of the upload", async () => {
      const { dev, kbId } = await freshTeam();
      const refused = await upload(h, dev.token, kbId, {
        "first.md": fileOf(1000, "first"),
        "big.md": fileOf(FILE_LIMIT + 1, "big"),
        "after.md": fileOf(1000, "after"),
      });
      expect(refused.status).toBe(413);
      expect(refused.body.error).toMatchObject({
        code: "knowledge.too_large",
        message: "big.md is larger than the limit of 1 MB per file",
        details: { limitBytes: FILE_LIMIT, limit: "file", file: "big.md" },
      });
      // first.md was stored before big.md arrived: its file and row are gone again.
      expect(await documents(h, dev.token, kbId)).toEqual([]);
      expect(await documentRows(h, kbId)).toEqual([]);
      expect(blobFiles(h, kbId)).toEqual([]);

      const exact = await upload(h, dev.token, kbId, { "exact.md": fileOf(FILE_LIMIT, "exact") });
      expect([exact.status, exact.body.documents[0]?.sizeBytes]).toEqual([201, FILE_LIMIT]);
    });

    it("refuses an unsupported file anywhere in an upload (415 listing the accepted types), keeping nothing", async () => {
      const { dev, kbId } = await freshTeam();
      const refused = await upload(h, dev.token, kbId, {
        "notes.md": "# Notes\n\nKept only if all are.",
        "tool.exe": "MZ",
      });
      expect([refused.status, refused.body.error.code]).toEqual([415, "request.unsupported_media_type"]);
      expect(refused.body.error.message).toMatch(/^tool\.exe: unsupported type; accepted: .*\.docx/);
      expect(refused.body.error.details).toMatchObject({ file: "tool.exe" });
      expect(await documentRows(h, kbId)).toEqual([]);
      expect(blobFiles(h, kbId)).toEqual([]);
    });

    it("keeps a team within its storage limit however many uploads race for it; a personal base counts apart", async () => {
      const { dev, kbId, teamId } = await freshTeam();
      const size = 400 * 1024;
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          upload(h, dev.token, kbId, { [`part-${i}.md`]: fileOf(size, `part ${i}`) }),
        ),
      );
      // 7 × 400 KiB fit in 3 MiB, 8 do not: exactly 7, whichever they are.
      expect(answers.filter((a) => a.status === 201)).toHaveLength(Math.floor(TEAM_LIMIT / size));
      const refused = answers.filter((a) => a.status !== 201);
      expect(refused).toHaveLength(20 - Math.floor(TEAM_LIMIT / size));
      for (const answer of refused) {
        expect(answer.status).toBe(413);
        expect(answer.body.error).toMatchObject({
          code: "knowledge.too_large",
          message: expect.stringMatching(
            /^part-\d+\.md would take this team's knowledge bases over their storage limit of 3 MB$/,
          ) as string,
          details: { limitBytes: TEAM_LIMIT, limit: "storage" },
        });
      }
      const rows = await documentRows(h, kbId);
      expect(rows.every((r) => r.status !== "uploading")).toBe(true);
      expect(rows.reduce((sum, r) => sum + r.size_bytes, 0)).toBeLessThanOrEqual(TEAM_LIMIT);
      expect(blobFiles(h, kbId)).toEqual(rows.map((r) => r.id).sort());
      // Another base of the team shares the full storage; the person's own base does not.
      const second = await createBase(h, dev.token, "More", teamId);
      expect((await upload(h, dev.token, second, { "more.md": fileOf(size, "more") })).status).toBe(413);
      const personal = await createBase(h, dev.token, "Mine");
      expect((await upload(h, dev.token, personal, { "mine.md": fileOf(size, "mine") })).status).toBe(201);
      await settled(h, dev.token, kbId);
    });

    it("makes one document of 20 simultaneous uploads of one file, answering the others as duplicates", async () => {
      const { dev, kbId } = await freshTeam();
      const content = fileOf(64 * 1024, "same");
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => upload(h, dev.token, kbId, { [`copy-${i}.md`]: content })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
      const docs = answers.map((a) => a.body.documents[0]);
      expect(new Set(docs.map((d) => d?.id)).size).toBe(1);
      expect(docs.filter((d) => d?.duplicate === false)).toHaveLength(1);
      expect(docs.filter((d) => d?.duplicate === true)).toHaveLength(19);
      const rows = await documentRows(h, kbId);
      expect(rows.map((r) => [r.id, r.status === "uploading"])).toEqual([[docs[0]?.id, false]]);
      expect(blobFiles(h, kbId)).toEqual([docs[0]?.id]);
      expect((await settled(h, dev.token, kbId)).map((d) => d.status)).toEqual(["ready"]);
    });
  });
}
