import type { Assistant, AnswerSource, ChatMessageView, Conversation } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openSse } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { knowledgeClient } from "../knowledge/knowledge-support.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

const RUNBOOK = `# Runbook

## Backups

Backups run nightly with pg_dump and are kept for thirty days.

## Restore

To restore a backup, stop the api pods and run pg_restore against the dump of the night.
`;

/** `parley_sources` as /v1 shows them. */
interface OpenAiSource {
  number: number;
  knowledge_base_id: string;
  document_id: string;
  document_name: string;
  chunk_id: string;
  heading_path: string[];
  start: number;
  end: number;
  snippet: string;
}

/** What the fake answers with `reply: "cite"`, for these sources. */
const citing = (sources: { number: number; document_name: string; heading_path: string[] }[]) =>
  sources.map((s) => `From ${[s.document_name, ...s.heading_path].join(" › ")} [${s.number}].`).join(" ");

describe.each(["sqlite", "postgres"] as const)(
  "answers grounded in an assistant's knowledge on %s",
  (shape) => {
    let fake: FakeUpstream;
    let h: Harness;
    let pgdb: TestPostgres | undefined;
    let teamId: string;
    let dev: { id: string; token: string };
    let kbId: string;
    let grounded: Assistant;
    let client: OpenAI;

    beforeAll(async () => {
      // The model cites every numbered source its system prompt lists.
      fake = await startFakeUpstream({ chunks: 3, reply: "cite" });
      pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
      h = await startHarness({
        PARLEY_PROVIDERS: fakeProviders(fake.url),
        ...(pgdb
          ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "assistant-grounding-secret-0123456789" }
          : {}),
      });
      teamId = (
        await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Ops" } })
      ).body.id;
      dev = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${dev.id}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
      const kb = knowledgeClient(h, dev.token);
      kbId = (await kb.create("Runbooks", teamId)).id;
      expect((await kb.upload(kbId, { "runbook.md": RUNBOOK })).status).toBe(201);
      // (expect.poll is for tests; a hook waits with vi.waitFor.)
      await vi.waitFor(
        async () => {
          expect((await kb.documents(kbId)).map((d) => d.status)).toEqual(["ready"]);
        },
        { timeout: 20_000, interval: 20 },
      );
      grounded = (
        await h.call<Assistant>("POST", "/api/v1/assistants", {
          token: dev.token,
          body: { name: "Ops helper", instructions: "Be brief.", teamId, knowledgeBaseIds: [kbId] },
        })
      ).body;
      // A key that may use the team's assistants: their knowledge comes with them.
      const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: dev.token,
        body: { name: "sdk", permissions: ["ai:use", "assistants:read"], teamId },
      });
      client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    }, 60_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      await pgdb?.drop();
    });

    /** The messages of the last request the model got. */
    const lastPrompt = () =>
      (fake.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] }).messages;

    it("answers on /v1 (the official openai SDK) from the passages it found, citing them, with parley_sources", async () => {
      const question = "How do I restore a backup?";
      const whole = await client.chat.completions.create({
        model: `assistant/${grounded.slug}`,
        messages: [{ role: "user", content: question }],
      });
      const sources = (whole as unknown as { parley_sources: OpenAiSource[] }).parley_sources;
      expect(sources.length).toBeGreaterThanOrEqual(1);
      expect(sources.map((s) => s.number)).toEqual(sources.map((_, i) => i + 1));
      // The best passage first: the one about restoring.
      expect(sources[0]).toMatchObject({
        knowledge_base_id: kbId,
        document_name: "runbook.md",
        heading_path: ["Runbook", "Restore"],
        snippet: expect.stringContaining("pg_restore") as unknown,
      });
      const text = whole.choices[0]?.message.content ?? "";
      expect(text).toBe(citing(sources));
      expect(text).toContain("[1]");
      // The passage's span points into the document's text.
      const content = await h.call<{ content: string }>(
        "GET",
        `/api/v1/knowledge-bases/${kbId}/documents/${sources[0]?.document_id ?? ""}/content`,
        { token: dev.token },
      );
      expect(content.body.content.slice(sources[0]?.start, sources[0]?.end)).toContain("run pg_restore");
      // Someone outside the team does not learn the document exists.
      const outsider = await h.user("developer");
      const hidden = await h.call<{ error: { code: string } }>(
        "GET",
        `/api/v1/knowledge-bases/${kbId}/documents/${sources[0]?.document_id ?? ""}/content`,
        { token: outsider.token },
      );
      expect([hidden.status, hidden.body.error.code]).toEqual([404, "knowledge_base.not_found"]);

      // The model got the instructions, then the numbered passages, then the question.
      const prompt = lastPrompt();
      expect(prompt.map((m) => m.role)).toEqual(["system", "system", "user"]);
      expect(prompt[0]?.content).toBe("Be brief.");
      expect(prompt[1]?.content).toContain("[1] runbook.md › Runbook › Restore\n## Restore");
      expect(prompt[1]?.content).toMatch(/cite it by its number/);

      // Streamed: the sources ride on the first chunk, which the SDK hands over as it is.
      const stream = await client.chat.completions.create({
        model: `assistant/${grounded.slug}`,
        stream: true,
        messages: [{ role: "user", content: question }],
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect((chunks[0] as unknown as { parley_sources?: unknown }).parley_sources).toEqual(sources);
      expect(chunks.slice(1).some((c) => "parley_sources" in c)).toBe(false);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe(text);
    });

    it("leaves an assistant without knowledge as it was: no sources, no grounding in the prompt", async () => {
      const plain = (
        await h.call<Assistant>("POST", "/api/v1/assistants", {
          token: dev.token,
          body: { name: "Plain helper", instructions: "Be plain.", teamId },
        })
      ).body;
      const whole = await client.chat.completions.create({
        model: `assistant/${plain.slug}`,
        messages: [{ role: "user", content: "How do I restore a backup?" }],
      });
      expect("parley_sources" in whole).toBe(false);
      expect(whole.choices[0]?.message.content).toBe("There are no numbered sources to cite.");
      const prompt = lastPrompt();
      expect(prompt.map((m) => m.role)).toEqual(["system", "user"]);
      expect(prompt[0]?.content).toBe("Be plain.");
    });

    it("tells the model when its knowledge has nothing for the question, and shows no sources", async () => {
      const whole = await client.chat.completions.create({
        model: `assistant/${grounded.slug}`,
        // (No word of it is in the runbook: SQLite's keyword search also matches stop words.)
        messages: [{ role: "user", content: "Office carpet colour?" }],
      });
      expect("parley_sources" in whole).toBe(false);
      const prompt = lastPrompt();
      expect(prompt.map((m) => m.role)).toEqual(["system", "system", "user"]);
      expect(prompt[1]?.content).toMatch(/no passage of them matches this question/);
      expect(prompt[1]?.content).toMatch(/do not cover it/);
    });

    it("searches only the bases the caller still reaches: a member who left the team loses its passages", async () => {
      const leaver = await h.user("developer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${leaver.id}`, {
        token: h.adminToken,
        body: { role: "developer" },
      });
      // Their own assistant, grounded in the team's runbooks while they are in the team.
      const mine = await h.call<Assistant>("POST", "/api/v1/assistants", {
        token: leaver.token,
        body: { name: "Leaver's helper", knowledgeBaseIds: [kbId] },
      });
      expect(mine.body.knowledgeBaseIds).toEqual([kbId]);
      const ask = async () => {
        const session = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: leaver.token, maxRetries: 0 });
        return session.chat.completions.create({
          model: `assistant/${mine.body.slug}`,
          messages: [{ role: "user", content: "How do I restore a backup?" }],
        });
      };
      expect("parley_sources" in (await ask())).toBe(true);
      await h.call("DELETE", `/api/v1/teams/${teamId}/members/${leaver.id}`, { token: h.adminToken });
      const after = await ask();
      expect("parley_sources" in after).toBe(false);
      expect(JSON.stringify(lastPrompt())).not.toContain("pg_restore");
    });

    it("sends the sources in chat before the first delta, and keeps them with the answer for a reload", async () => {
      const conversation = await h.call<Conversation>("POST", "/api/v1/conversations", {
        token: dev.token,
        body: { assistantId: grounded.id },
      });
      const sse = await openSse(`${h.url}/api/v1/conversations/${conversation.body.id}/events`, {
        authorization: `Bearer ${dev.token}`,
      });
      const sent = await h.call<{ assistantMessage: { id: string } }>(
        "POST",
        `/api/v1/conversations/${conversation.body.id}/messages`,
        { token: dev.token, body: { content: "How do I restore a backup?" } },
      );
      expect(sent.status).toBe(202);
      const id = sent.body.assistantMessage.id;
      const events = await sse.until((all) =>
        all.some(
          (e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === id,
        ),
      );
      sse.close();
      const mine = events
        .filter((e) => (e.data as { messageId: string }).messageId === id)
        .map((e) => e.event);
      expect(mine.slice(0, 3)).toEqual(["message.started", "message.sources", "message.delta"]);
      expect(mine.filter((e) => e === "message.sources")).toHaveLength(1);
      const streamed = (
        events.find((e) => e.event === "message.sources")?.data as { sources: AnswerSource[] }
      ).sources;
      expect(streamed[0]).toMatchObject({ n: 1, knowledgeBaseId: kbId, headingPath: ["Runbook", "Restore"] });
      for (const source of streamed) expect(source.snippet.length).toBeLessThanOrEqual(300);

      // A reload reads them back with the answer.
      const view = await h.call<{ messages: ChatMessageView[] }>(
        "GET",
        `/api/v1/conversations/${conversation.body.id}`,
        {
          token: dev.token,
        },
      );
      const answer = view.body.messages.find((m) => m.id === id);
      expect(answer?.status).toBe("completed");
      expect(answer?.sources).toEqual(streamed);
      expect(answer?.content).toContain("[1]");
      // The question's message has none.
      expect(view.body.messages.find((m) => m.role === "user")?.sources).toBeUndefined();
    });
  },
);
