import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepUnreferencedDocuments } from "../../src/modules/knowledge/ingest-sweep.ts";
import { KnowledgeUploadsRepository } from "../../src/modules/knowledge/knowledge-uploads.repository.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { blobFiles, createBase, settled, upload } from "./knowledge-client.ts";

/**
 * Deleting a team takes its knowledge bases and their documents' rows with it (a cascade in the
 * database), and nothing else would remove their bytes: the sweep does, and only theirs.
 */
describe("document bytes no document refers to", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await h.stop();
  });

  it("are removed once their team is deleted; every other document's stay", async () => {
    const team = await h.call<{ id: string }>("POST", "/api/v1/teams", {
      token: h.adminToken,
      body: { name: "Short-lived" },
    });
    const doomed = await createBase(h, h.adminToken, "Doomed", team.body.id);
    const kept = await createBase(h, h.adminToken, "Kept");
    expect((await upload(h, h.adminToken, doomed, { "a.md": "# Alpha\n\nGoes with its team." })).status).toBe(
      201,
    );
    expect((await upload(h, h.adminToken, kept, { "b.md": "# Beta\n\nStays." })).status).toBe(201);
    await settled(h, h.adminToken, doomed);
    await settled(h, h.adminToken, kept);
    expect((await h.call("DELETE", `/api/v1/teams/${team.body.id}`, { token: h.adminToken })).status).toBe(
      204,
    );
    // The rows went by cascade; the bytes are still there.
    expect(blobFiles(h, doomed)).toHaveLength(1);

    const deps = {
      blobs: h.parley.platform.blobs,
      uploads: new KnowledgeUploadsRepository(h.parley.platform.database),
      clock: { now: () => Date.now() },
    };
    // Younger than an upload may take: left alone.
    expect(await sweepUnreferencedDocuments(deps)).toBe(0);
    expect(blobFiles(h, doomed)).toHaveLength(1);
    expect(await sweepUnreferencedDocuments(deps, { before: Date.now() + 1_000 })).toBe(1);
    expect(blobFiles(h, doomed)).toEqual([]);
    expect(blobFiles(h, kept)).toHaveLength(1);
  });
});
