import type {
  ChatAttachment,
  ConversationWithMessages,
  CreatedConversation,
  ErrorEnvelope,
} from "@parley/contracts";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttachmentService } from "../../src/modules/chat/attachments.service.ts";
import { AttachmentsRepository } from "../../src/modules/chat/attachments.repository.ts";
import { FolderBlobStore } from "../../src/platform/blob/folder-blob-store.ts";
import { openDatabase } from "../../src/platform/db/database.ts";
import { pdfWith } from "../../src/modules/knowledge/pdf-test-support.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

/** The smallest valid PNG: one transparent pixel. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

type UserContent =
  string | ({ type: "text"; text: string } | { type: "image_url"; image_url: { url: string } })[];

describe.each(["SQLite", "PostgreSQL"] as const)("files attached to chat messages on %s", (dialect) => {
  let fake: FakeUpstream;
  let h: Harness;
  let database: TestPostgres | null;
  let dev: Awaited<ReturnType<Harness["user"]>>;
  beforeAll(async () => {
    fake = await startFakeUpstream({ chunks: 2 });
    database = dialect === "PostgreSQL" ? await createTestPostgres() : null;
    h = await startHarness({
      PARLEY_PROVIDERS: fakeProviders(fake.url),
      ...(database
        ? { PARLEY_DATABASE_URL: database.url, PARLEY_SECRET_KEY: "attachments-test-secret-0123456789abcdef" }
        : {}),
    });
    dev = await h.user("developer");
  }, 60_000);
  const database_url = () => database?.url;
  afterAll(async () => {
    await h.stop();
    await database?.drop();
    await fake.close();
  });

  /** Uploads files as the web app does (multipart, `file` parts). */
  const upload = async (token: string, files: { name: string; bytes: Buffer | string }[]) => {
    const form = new FormData();
    for (const f of files) form.append("file", new Blob([f.bytes]), f.name);
    const res = await fetch(`${h.url}/api/v1/attachments`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as { items: ChatAttachment[] } & ErrorEnvelope };
  };
  const conversation = async (token: string, id: string) =>
    (await h.call<ConversationWithMessages>("GET", `/api/v1/conversations/${id}`, { token })).body;
  const lastUserContent = () =>
    (fake.requests.at(-1)?.body as { messages: { role: string; content: UserContent }[] }).messages.findLast(
      (m) => m.role === "user",
    )?.content;

  it("gives the model a text file's and a document's text with the message, and keeps them with it", async () => {
    const up = await upload(dev.token, [
      { name: "notes.md", bytes: "# Deploy\nRun `make ship` on Fridays." },
      { name: "spec.pdf", bytes: pdfWith([["The retry budget is 3 attempts."]]) },
    ]);
    expect(up.status).toBe(201);
    expect(up.body.items.map((a) => [a.name, a.kind, a.mediaType])).toEqual([
      ["notes.md", "text", "text/markdown"],
      ["spec.pdf", "text", "application/pdf"],
    ]);
    const created = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
      token: dev.token,
      body: { message: { content: "Summarise these", attachments: up.body.items.map((a) => a.id) } },
    });
    expect(created.status).toBe(201);
    expect(created.body.userMessage?.attachments?.map((a) => a.name)).toEqual(["notes.md", "spec.pdf"]);
    await expect
      .poll(async () => (await conversation(dev.token, created.body.id)).messages.at(-1)?.status)
      .toBe("completed");
    const sent = JSON.stringify(lastUserContent());
    expect(sent).toContain("Summarise these");
    expect(sent).toContain('<file name=\\"notes.md\\">');
    expect(sent).toContain("Run `make ship` on Fridays.");
    expect(sent).toContain("The retry budget is 3 attempts.");
    const view = await conversation(dev.token, created.body.id);
    expect(view.messages[0]?.attachments?.map((a) => a.name)).toEqual(["notes.md", "spec.pdf"]);

    // Sent once: the same file cannot go with another message.
    const again = await h.call<ErrorEnvelope>("POST", `/api/v1/conversations/${created.body.id}/messages`, {
      token: dev.token,
      body: { content: "Once more", attachments: [up.body.items[0]?.id] },
    });
    expect([again.status, again.body.error.code]).toEqual([404, "attachment.not_found"]);

    // An edit keeps the edited message's files (the new version is answered with them too).
    const edited = await h.call<{ userMessage: { id: string; attachments?: ChatAttachment[] } }>(
      "POST",
      `/api/v1/conversations/${created.body.id}/messages`,
      { token: dev.token, body: { content: "Summarise these briefly", editOf: view.messages[0]?.id } },
    );
    expect(edited.status).toBe(202);
    expect(edited.body.userMessage.attachments?.map((a) => a.name)).toEqual(["notes.md", "spec.pdf"]);
    await expect
      .poll(async () => (await conversation(dev.token, created.body.id)).messages.at(-1)?.status)
      .toBe("completed");
    expect(JSON.stringify(lastUserContent())).toContain("The retry budget is 3 attempts.");
  });

  it("sends images only to models that read them, as image parts", async () => {
    const up = await upload(dev.token, [{ name: "pixel.png", bytes: PNG }]);
    const image = up.body.items[0];
    expect(image).toMatchObject({ kind: "image", mediaType: "image/png", chars: null });
    const conv = (
      await h.call<CreatedConversation>("POST", "/api/v1/conversations", { token: dev.token, body: {} })
    ).body;
    const refused = await h.call<ErrorEnvelope>("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: dev.token,
      body: { content: "What is this?", attachments: [image?.id] },
    });
    expect([refused.status, refused.body.error.code]).toEqual([400, "attachment.images_not_supported"]);
    expect((await conversation(dev.token, conv.id)).messages).toEqual([]);

    // An administrator says the model reads images: the same file (released) goes now.
    const said = await h.call("PATCH", "/api/v1/models/fake/fake-model", {
      token: h.adminToken,
      body: { imageInput: true },
    });
    expect(said.status).toBe(200);
    const sent = await h.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: dev.token,
      body: { content: "What is this?", attachments: [image?.id] },
    });
    expect(sent.status).toBe(202);
    await expect
      .poll(async () => (await conversation(dev.token, conv.id)).messages.at(-1)?.status)
      .toBe("completed");
    const content = lastUserContent();
    expect(Array.isArray(content) && content[1]).toEqual({
      type: "image_url",
      image_url: { url: `data:image/png;base64,${PNG.toString("base64")}` },
    });

    // Readable by its sender (inline, sandboxed); by nobody outside the conversation.
    const mine = await fetch(`${h.url}/api/v1/attachments/${image?.id ?? ""}`, {
      headers: { authorization: `Bearer ${dev.token}` },
    });
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toBe("image/png");
    expect(mine.headers.get("content-security-policy")).toContain("sandbox");
    expect(Buffer.from(await mine.arrayBuffer()).equals(PNG)).toBe(true);
    const stranger = await h.user("developer");
    const theirs = await h.call<ErrorEnvelope>("GET", `/api/v1/attachments/${image?.id ?? ""}`, {
      token: stranger.token,
    });
    expect([theirs.status, theirs.body.error.code]).toEqual([404, "attachment.not_found"]);
    // Nor can a stranger send someone else's upload.
    const fresh = await upload(dev.token, [{ name: "a.txt", bytes: "hello" }]);
    const other = (
      await h.call<CreatedConversation>("POST", "/api/v1/conversations", { token: stranger.token, body: {} })
    ).body;
    const stolen = await h.call<ErrorEnvelope>("POST", `/api/v1/conversations/${other.id}/messages`, {
      token: stranger.token,
      body: { content: "mine now", attachments: [fresh.body.items[0]?.id] },
    });
    expect([stolen.status, stolen.body.error.code]).toEqual([404, "attachment.not_found"]);

    // Deleting the conversation takes its files.
    await h.call("DELETE", `/api/v1/conversations/${conv.id}`, { token: dev.token });
    const gone = await h.call<ErrorEnvelope>("GET", `/api/v1/attachments/${image?.id ?? ""}`, {
      token: dev.token,
    });
    expect(gone.status).toBe(404);
  });

  it("refuses files it cannot use, each with a clear error, keeping none of the upload", async () => {
    const cases: [string, { name: string; bytes: Buffer | string }[], number, string][] = [
      ["unknown type", [{ name: "tool.exe", bytes: "MZ" }], 415, "request.unsupported_media_type"],
      ["an image that is not one", [{ name: "cat.png", bytes: "not a png" }], 422, "attachment.unreadable"],
      ["empty", [{ name: "empty.txt", bytes: "" }], 422, "attachment.unreadable"],
      ["binary text", [{ name: "x.txt", bytes: Buffer.from([0x41, 0, 0x42]) }], 422, "attachment.unreadable"],
      [
        "encrypted PDF",
        [{ name: "locked.pdf", bytes: pdfWith([["secret"]], { encrypted: true }) }],
        422,
        "attachment.unreadable",
      ],
      [
        "too large",
        [{ name: "big.txt", bytes: Buffer.alloc(10 * 1024 * 1024 + 1, 97) }],
        413,
        "attachment.too_large",
      ],
      [
        "too many",
        Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, bytes: "x" })),
        400,
        "validation.failed",
      ],
      [
        "a good file then a bad one",
        [
          { name: "ok.txt", bytes: "fine" },
          { name: "bad.png", bytes: "no" },
        ],
        422,
        "attachment.unreadable",
      ],
    ];
    for (const [what, files, status, code] of cases) {
      const res = await upload(dev.token, files);
      expect([res.status, res.body.error.code], what).toEqual([status, code]);
    }
    const plain = await h.call<ErrorEnvelope>("POST", "/api/v1/attachments", { token: dev.token, body: {} });
    expect([plain.status, plain.body.error.code]).toEqual([415, "request.unsupported_media_type"]);
    // A viewer writes nothing, files included.
    const viewer = await h.user("viewer");
    const refused = await upload(viewer.token, [{ name: "a.txt", bytes: "x" }]);
    expect(refused.status).toBe(403);
  });

  it("lets one of many concurrent sends have a file", async () => {
    const up = await upload(dev.token, [{ name: "shared.txt", bytes: "only once" }]);
    const id = up.body.items[0]?.id;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.call<CreatedConversation & ErrorEnvelope>("POST", "/api/v1/conversations", {
          token: dev.token,
          body: { message: { content: `Race ${i}`, attachments: [id] } },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 404 && r.body.error.code === "attachment.not_found"),
    ).toHaveLength(9);
  });

  it("removes bytes no file refers to (a crash between the writes, a deleted uploader), and only those", async () => {
    // The running server's own storage, opened a second time: its blob folder and its database.
    const database = openDatabase(
      database_url()
        ? { dialect: "postgres", url: database_url() ?? "", poolSize: 2 }
        : { dialect: "sqlite", file: join(h.dataDir, "parley.db") },
    );
    const blobs = await FolderBlobStore.open({ root: join(h.dataDir, "blobs") });
    const service = new AttachmentService({
      repository: new AttachmentsRepository(database),
      blobs,
      clock: { now: () => Date.now() },
    });
    try {
      const keep = await h.user("developer", "keeper");
      const leaver = await h.user("developer", "leaver");
      const unsent = (await upload(keep.token, [{ name: "unsent.txt", bytes: "waiting to be sent" }])).body
        .items;
      const sentUp = (await upload(keep.token, [{ name: "sent.txt", bytes: "sent with a message" }])).body
        .items;
      const sent = await h.call<CreatedConversation>("POST", "/api/v1/conversations", {
        token: keep.token,
        body: { message: { content: "With a file", attachments: [sentUp[0]?.id] } },
      });
      expect(sent.status).toBe(201);
      const gone = (await upload(leaver.token, [{ name: "left.txt", bytes: "of someone deleted" }])).body
        .items;
      // The uploader is deleted: their files' rows go by cascade, their bytes stay behind.
      expect((await h.call("DELETE", `/api/v1/users/${leaver.id}`, { token: h.adminToken })).status).toBe(
        204,
      );
      // A crash between storing an upload's bytes and its row.
      await blobs.put(`chat-attachments/${keep.id}/crashed-upload`, Buffer.from("no row ever came"));
      const keys = async () => {
        const all: string[] = [];
        for await (const entry of blobs.list("chat-attachments")) all.push(entry.key);
        return all.sort();
      };
      const before = await keys();
      const of = (id: string | undefined) => before.find((k) => id !== undefined && k.endsWith(`/${id}`));
      const crashed = before.find((k) => k.endsWith("/crashed-upload"));
      const orphans = [crashed, of(gone[0]?.id)];
      const kept = [of(unsent[0]?.id), of(sentUp[0]?.id)];
      for (const key of [...orphans, ...kept]) expect(key).toBeDefined();

      // Bytes written after the cut-off (an upload in progress) are left alone.
      expect(await service.collectGarbage(Date.now() - 60 * 60_000)).toBe(0);
      expect(await keys()).toEqual(before);

      // Exactly the two orphans go; every file a row refers to stays (this suite's others too).
      expect(await service.collectGarbage(Date.now() + 1_000)).toBe(2);
      expect(await keys()).toEqual(before.filter((k) => !orphans.includes(k)));
      const conversationId = (sent.body as { id: string }).id;
      // The first answer ends before the next message goes (one answer streams at a time).
      for (;;) {
        const messages = (await conversation(keep.token, conversationId)).messages;
        if (messages.every((m) => m.status !== "streaming")) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const again = await h.call<{ assistantMessage: { id: string } }>(
        "POST",
        `/api/v1/conversations/${conversationId}/messages`,
        { token: keep.token, body: { content: "And again" } },
      );
      expect(again.status).toBe(202);
      // The sent file still goes to the model with the conversation.
      await expect
        .poll(() => JSON.stringify(fake.requests.at(-1)?.body ?? ""))
        .toContain("sent with a message");
    } finally {
      await blobs.close();
      await database.close();
    }
  });
});
