import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ErrorEnvelope, KnowledgeBase, KnowledgeDocument, UploadResult } from "@parley/contracts";
import { expect } from "vitest";
import { allTables } from "../all-tables.ts";
import type { Harness } from "../parley-harness.ts";

/** A knowledge base made through the API (in team `teamId`, or personal). */
export async function createBase(h: Harness, token: string, name: string, teamId?: string): Promise<string> {
  const res = await h.call<KnowledgeBase>("POST", "/api/v1/knowledge-bases", {
    token,
    body: { name, ...(teamId ? { teamId } : {}) },
  });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Uploads `files` (name → content, in order) as multipart/form-data. */
export async function upload(
  h: Harness,
  token: string,
  kbId: string,
  files: Record<string, string | Uint8Array>,
): Promise<{ status: number; body: UploadResult & ErrorEnvelope }> {
  const form = new FormData();
  for (const [name, content] of Object.entries(files)) form.append("file", new Blob([content]), name);
  const res = await fetch(`${h.url}/api/v1/knowledge-bases/${kbId}/documents`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: (await res.json()) as UploadResult & ErrorEnvelope };
}

/** The base's documents as the API lists them. */
export async function documents(h: Harness, token: string, kbId: string): Promise<KnowledgeDocument[]> {
  return (
    await h.call<{ items: KnowledgeDocument[] }>("GET", `/api/v1/knowledge-bases/${kbId}/documents`, {
      token,
    })
  ).body.items;
}

/** Waits until no document of the base is queued or processing, and returns them. */
export async function settled(h: Harness, token: string, kbId: string): Promise<KnowledgeDocument[]> {
  await expect
    .poll(
      async () =>
        (await documents(h, token, kbId)).filter((d) => d.status === "queued" || d.status === "processing")
          .length,
      { timeout: 15_000 },
    )
    .toBe(0);
  return documents(h, token, kbId);
}

/** The files the blob store holds for a knowledge base (its folder, read directly). */
export function blobFiles(h: Harness, kbId: string): string[] {
  const dir = join(h.dataDir, "blobs", "data", "knowledge", kbId);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Every row of the base's documents, staged uploads included, straight from the database. */
export async function documentRows(h: Harness, kbId: string) {
  return allTables(h.parley.platform.database)
    .selectFrom("knowledge_documents")
    .select(["id", "status", "size_bytes", "sha256"])
    .where("knowledge_base_id", "=", kbId)
    .execute();
}
