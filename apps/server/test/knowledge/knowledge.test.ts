import type { ErrorEnvelope, KnowledgeBase, KnowledgeDocument, UploadResult } from "@parley/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { docxWith, zipOf } from "../../src/modules/knowledge/docx-test-support.ts";
import { pdfWith } from "../../src/modules/knowledge/pdf-test-support.ts";
import { startHarness, type Harness } from "../parley-harness.ts";

let h: Harness;
let teamId: string;

beforeAll(async () => {
  h = await startHarness();
  teamId = (
    await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Docs" } })
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

/** Uploads `files` (name → content) as multipart/form-data. */
async function upload(token: string, kbId: string, files: Record<string, string | Uint8Array>) {
  const form = new FormData();
  for (const [name, content] of Object.entries(files)) form.append("file", new Blob([content]), name);
  const res = await fetch(`${h.url}/api/v1/knowledge-bases/${kbId}/documents`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as UploadResult & ErrorEnvelope };
}

async function documents(token: string, kbId: string) {
  return (
    await h.call<{ items: KnowledgeDocument[] }>("GET", `/api/v1/knowledge-bases/${kbId}/documents`, {
      token,
    })
  ).body.items;
}

/** Waits until no document of the base is queued or processing. */
async function settled(token: string, kbId: string) {
  await expect
    .poll(
      async () =>
        (await documents(token, kbId)).filter((d) => d.status === "queued" || d.status === "processing")
          .length,
      {
        timeout: 15_000,
      },
    )
    .toBe(0);
  return documents(token, kbId);
}

const GUIDE =
  "# Deploying Parley\n\nIntro.\n\n## Kubernetes\n\nUse the overlays.\n\n## OpenShift\n\nUse the Route.\n";

describe("knowledge bases", () => {
  it("takes several documents at once, chunks them on a worker, and recognises a duplicate", async () => {
    const dev = await member("developer");
    const kb = await h.call<KnowledgeBase>("POST", "/api/v1/knowledge-bases", {
      token: dev.token,
      body: { name: "Runbooks", teamId },
    });
    expect(kb.status).toBe(201);
    const first = await upload(dev.token, kb.body.id, {
      "deploy.md": GUIDE,
      "notes.txt": "Plain notes about backups.\n\nSecond paragraph.",
      "page.html": `<html><body><article><h1>Status page</h1><p>${"All systems work. ".repeat(30)}</p></article></body></html>`,
      "people.csv": "name,role\nAda,admin\n",
      "empty.txt": "   \n",
      "manual.pdf": new Uint8Array(pdfWith([["Backups run nightly."], ["Restore with pg_restore."]])),
      "broken.pdf": "%PDF-1.4 garbage",
    });
    expect(first.status).toBe(201);
    expect(first.body.documents.map((d) => [d.name, d.status, d.duplicate])).toEqual([
      ["deploy.md", "queued", false],
      ["notes.txt", "queued", false],
      ["page.html", "queued", false],
      ["people.csv", "queued", false],
      ["empty.txt", "queued", false],
      ["manual.pdf", "queued", false],
      ["broken.pdf", "queued", false],
    ]);
    const again = await upload(dev.token, kb.body.id, { "copy-of-deploy.md": GUIDE });
    expect(again.body.documents[0]).toMatchObject({ name: "deploy.md", duplicate: true });

    const done = await settled(dev.token, kb.body.id);
    const byName = new Map(done.map((d) => [d.name, d]));
    expect(byName.get("deploy.md")).toMatchObject({
      status: "ready",
      chunkCount: 3,
      mediaType: "text/markdown",
    });
    expect(byName.get("notes.txt")?.status).toBe("ready");
    expect(byName.get("page.html")?.status).toBe("ready");
    expect(byName.get("people.csv")?.status).toBe("ready");
    expect(byName.get("empty.txt")).toMatchObject({
      status: "failed",
      error: "The file holds no text",
      chunkCount: 0,
    });
    expect(byName.get("manual.pdf")).toMatchObject({
      status: "ready",
      chunkCount: 2,
      mediaType: "application/pdf",
    });
    expect(byName.get("broken.pdf")).toMatchObject({
      status: "failed",
      error: "The PDF is damaged or not a PDF",
    });
    expect(done).toHaveLength(7);

    // Chunks keep their heading path and their span in the document's text.
    const db = allTables(h.parley.platform.database);
    const deploy = byName.get("deploy.md");
    const chunks = await db
      .selectFrom("knowledge_chunks")
      .selectAll()
      .where("document_id", "=", deploy?.id ?? "")
      .orderBy("ordinal")
      .execute();
    expect(chunks.map((c) => JSON.parse(String(c.heading_path)) as string[])).toEqual([
      ["Deploying Parley"],
      ["Deploying Parley", "Kubernetes"],
      ["Deploying Parley", "OpenShift"],
    ]);
    for (const c of chunks) expect(GUIDE.slice(c.start_offset, c.end_offset)).toBe(c.text);

    const base = await h.call<KnowledgeBase>("GET", `/api/v1/knowledge-bases/${kb.body.id}`, {
      token: dev.token,
    });
    expect(base.body.documentCount).toBe(7);
  });

  it("reads a DOCX by its headings, and fails a bomb, a non-zip, an encrypted PDF and an empty file alone", async () => {
    const dev = await member("developer");
    const kb = await h.call<KnowledgeBase>("POST", "/api/v1/knowledge-bases", {
      token: dev.token,
      body: { name: "Office files", teamId },
    });
    const docx = await docxWith([
      { heading: 1, text: "Handbook" },
      { text: "Welcome." },
      { heading: 2, text: "On call" },
      { text: "Answer pages within five minutes." },
    ]);
    const sent = await upload(dev.token, kb.body.id, {
      "handbook.docx": new Uint8Array(docx),
      "bomb.docx": new Uint8Array(await zipOf({ "word/document.xml": 50 * 1024 * 1024 })),
      "notes.docx": "not a zip at all",
      "secret.pdf": new Uint8Array(pdfWith([["Secret"]], { encrypted: true })),
      "empty.docx": new Uint8Array(0),
      "fine.md": "# Fine\n\nStill indexed.",
    });
    expect(sent.status).toBe(201);
    const byName = new Map((await settled(dev.token, kb.body.id)).map((d) => [d.name, d]));
    expect(byName.get("handbook.docx")).toMatchObject({
      status: "ready",
      chunkCount: 2,
      mediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    });
    expect(byName.get("bomb.docx")).toMatchObject({
      status: "failed",
      error: expect.stringContaining("decompression bomb") as string,
    });
    expect(byName.get("notes.docx")).toMatchObject({
      status: "failed",
      error: "The file is not a DOCX (not a zip archive)",
    });
    expect(byName.get("secret.pdf")).toMatchObject({
      status: "failed",
      error: "The PDF is encrypted; upload a copy without a password",
    });
    expect(byName.get("empty.docx")).toMatchObject({ status: "failed", error: "The file is empty" });
    expect(byName.get("fine.md")?.status).toBe("ready");
    const db = allTables(h.parley.platform.database);
    const chunks = await db
      .selectFrom("knowledge_chunks")
      .select(["heading_path", "text"])
      .where("document_id", "=", byName.get("handbook.docx")?.id ?? "")
      .orderBy("ordinal")
      .execute();
    expect(chunks.map((c) => JSON.parse(String(c.heading_path)) as string[])).toEqual([
      ["Handbook"],
      ["Handbook", "On call"],
    ]);
  });

  it("re-indexes and deletes a document, and deletes a base with its files", async () => {
    const dev = await member("developer");
    const kb = await h.call<KnowledgeBase>("POST", "/api/v1/knowledge-bases", {
      token: dev.token,
      body: { name: "Scratch", teamId },
    });
    const [doc] = (await upload(dev.token, kb.body.id, { "a.md": "# A\n\ntext" })).body.documents;
    await settled(dev.token, kb.body.id);
    const reindexed = await h.call<KnowledgeDocument>(
      "POST",
      `/api/v1/knowledge-bases/${kb.body.id}/documents/${doc?.id ?? ""}/reindex`,
      { token: dev.token },
    );
    expect([reindexed.status, reindexed.body.status]).toEqual([202, "queued"]);
    expect((await settled(dev.token, kb.body.id))[0]?.status).toBe("ready");
    const blobKey = `knowledge/${kb.body.id}/${doc?.id ?? ""}`;
    expect(await h.parley.platform.blobs.stat(blobKey)).not.toBeNull();
    const removed = await h.call(
      "DELETE",
      `/api/v1/knowledge-bases/${kb.body.id}/documents/${doc?.id ?? ""}`,
      {
        token: dev.token,
      },
    );
    expect(removed.status).toBe(204);
    expect(await h.parley.platform.blobs.stat(blobKey)).toBeNull();
    expect(await documents(dev.token, kb.body.id)).toEqual([]);
    expect(
      (await h.call("DELETE", `/api/v1/knowledge-bases/${kb.body.id}`, { token: dev.token })).status,
    ).toBe(204);
    const gone = await h.call<ErrorEnvelope>("GET", `/api/v1/knowledge-bases/${kb.body.id}`, {
      token: dev.token,
    });
    expect([gone.status, gone.body.error.code]).toEqual([404, "knowledge_base.not_found"]);
  });

  it("refuses unsupported types (listing the accepted ones), bad bodies, viewers and strangers", async () => {
    const dev = await member("developer");
    const viewer = await member("viewer");
    const stranger = await h.user("developer");
    const kb = await h.call<KnowledgeBase>("POST", "/api/v1/knowledge-bases", {
      token: dev.token,
      body: { name: "Guarded", teamId },
    });
    const exe = await upload(dev.token, kb.body.id, { "tool.exe": "MZ" });
    expect([exe.status, exe.body.error.code]).toEqual([415, "request.unsupported_media_type"]);
    expect(exe.body.error.message).toContain(".md");
    const json = await h.call<ErrorEnvelope>("POST", `/api/v1/knowledge-bases/${kb.body.id}/documents`, {
      token: dev.token,
      body: { file: "x" },
    });
    expect([json.status, json.body.error.code]).toEqual([415, "request.unsupported_media_type"]);
    // A viewer reads but does not upload; someone outside the team does not see the base at all.
    expect(
      (await h.call("GET", `/api/v1/knowledge-bases/${kb.body.id}/documents`, { token: viewer.token }))
        .status,
    ).toBe(200);
    expect((await upload(viewer.token, kb.body.id, { "a.md": "# x" })).status).toBe(403);
    const hidden = await upload(stranger.token, kb.body.id, { "a.md": "# x" });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, "knowledge_base.not_found"]);
    const bad = await h.call<ErrorEnvelope>("POST", "/api/v1/knowledge-bases", {
      token: dev.token,
      body: { name: "" },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, "validation.failed"]);
    expect(await documents(dev.token, kb.body.id)).toEqual([]);
  });
});
