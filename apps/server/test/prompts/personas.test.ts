import type { Conversation, ErrorEnvelope, MessageFeedback, Prompt, PromptStats } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pickVersion } from "../../src/modules/prompts/ab-split.ts";
import { openSse } from "../chat/sse-client.ts";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";

const persona = (instructions: string, temperature: number | null) => ({
  kind: "persona",
  instructions,
  model: "fake/fake-model",
  temperature,
});

describe.each(["sqlite", "postgres"] as const)(
  "personas on the OpenAI-compatible API and in chat on %s",
  (shape) => {
    let fake: FakeUpstream;
    let h: Harness;
    let pgdb: TestPostgres | undefined;
    let teamId: string;

    beforeAll(async () => {
      // The answer repeats the system prompt and the temperature it was sent, so the stage shows.
      fake = await startFakeUpstream({
        chunks: 2,
        textFor: (body) => {
          const b = body as { messages: { role: string; content: string }[]; temperature?: number };
          const system = b.messages.find((m) => m.role === "system")?.content ?? "none";
          return `system=${system} temperature=${String(b.temperature ?? "default")}`;
        },
      });
      pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
      h = await startHarness({
        PARLEY_PROVIDERS: fakeProviders(fake.url),
        ...(pgdb
          ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "personas-test-secret-0123456789abcdef" }
          : {}),
      });
      teamId = (
        await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name: "Help" } })
      ).body.id;
      // Priced, so calls have a cost: 1,000 $ per million tokens is 1,000 micros per token.
      await h.call("PATCH", "/api/v1/models/fake/fake-model", {
        token: h.adminToken,
        body: { inputPricePerMTok: 1000, outputPricePerMTok: 1000 },
      });
    }, 60_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      await pgdb?.drop();
    });

    async function member(role: "viewer" | "developer" | "operator") {
      const u = await h.user("viewer");
      await h.call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { token: h.adminToken, body: { role } });
      return u;
    }
    async function clientOf(token: string) {
      const key = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token,
        body: { name: "sdk", permissions: ["ai:use", "prompts:read"], teamId },
      });
      return new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
    }
    const ask = async (client: OpenAI, model: string) =>
      (await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }))
        .choices[0]?.message.content;

    it("answers as the persona version its label gives each user, sticky across calls, and counts each version", async () => {
      const owner = await member("operator");
      const made = await h.call<Prompt>("POST", "/api/v1/prompts", {
        token: owner.token,
        body: { teamId, name: "Helpdesk", content: persona("You are v1.", 0.3) },
      });
      const id = made.body.id;
      const model = `persona/${made.body.slug}`;
      await h.call("PUT", `/api/v1/prompts/${id}`, {
        token: owner.token,
        body: { expectedVersion: 1, content: persona("You are v2.", null) },
      });
      const dev = await member("developer");
      const client = await clientOf(dev.token);
      expect((await client.models.list()).data.map((m) => m.id)).toContain(model);
      // No production label: the current version, with the model's default temperature.
      expect(await ask(client, model)).toBe("system=You are v2. temperature=default");
      // The request's own temperature wins over the persona's.
      const streamed = await client.chat.completions
        .create({
          model: `${model}@staging`,
          messages: [{ role: "user", content: "hi" }],
        })
        .catch((error: unknown) => error as { status: number });
      expect(streamed).toMatchObject({ status: 404 });

      const split = [
        { version: 1, weight: 50 },
        { version: 2, weight: 50 },
      ];
      const moved = await h.call("PUT", `/api/v1/prompts/${id}/labels/production`, {
        token: owner.token,
        body: { versions: split },
      });
      expect(moved.status).toBe(200);
      const expected = { 1: 0, 2: 0 } as Record<number, number>;
      expected[2] = 1; // the call above, before the label
      for (let i = 0; i < 8; i++) {
        const user = await member("developer");
        const own = await clientOf(user.token);
        const version = pickVersion(split, user.id, id, "production");
        const want =
          version === 1 ? "system=You are v1. temperature=0.3" : "system=You are v2. temperature=default";
        expect(await ask(own, model)).toBe(want);
        expect(await ask(own, `${model}@production`)).toBe(want);
        expected[version] = (expected[version] ?? 0) + 2;
      }
      // A failing call counts as a failure of the version that made it.
      fake.configure({ fault: "500" });
      const failed = await ask(client, model).catch((error: unknown) => error as { status: number });
      fake.configure({ fault: undefined });
      expect(failed).toMatchObject({ status: 502 });
      const devVersion = pickVersion(split, dev.id, id, "production");

      const stats = await h.call<PromptStats>("GET", `/api/v1/prompts/${id}/stats`, { token: dev.token });
      const byVersion = new Map(stats.body.versions.map((v) => [v.version, v]));
      for (const v of [1, 2]) {
        const row = byVersion.get(v);
        const calls = (expected[v] ?? 0) + (v === devVersion ? 1 : 0);
        expect(row?.calls, `version ${v}`).toBe(calls);
        expect(row?.failures).toBe(v === devVersion ? 1 : 0);
        expect(row?.failureRate).toBeCloseTo(v === devVersion ? 1 / calls : 0);
        expect(row?.inputTokens).toBeGreaterThan(0);
        expect(row?.costMicros).toBe((row?.inputTokens ?? 0) * 1000 + (row?.outputTokens ?? 0) * 1000);
      }
    });

    it("answers a chat with a persona, and the thumbs people give count for its version", async () => {
      const owner = await member("operator");
      const made = await h.call<Prompt>("POST", "/api/v1/prompts", {
        token: owner.token,
        body: {
          teamId,
          name: "Chat persona",
          content: { ...persona("Chat as v1.", 0.5), maxOutputTokens: 40 },
        },
      });
      const id = made.body.id;
      const conversation = await h.call<Conversation>("POST", "/api/v1/conversations", {
        token: owner.token,
        body: { teamId, model: `persona/${made.body.slug}` },
      });
      expect(conversation.status).toBe(201);
      const cid = conversation.body.id;
      const sse = await openSse(`${h.url}/api/v1/conversations/${cid}/events`, {
        authorization: `Bearer ${owner.token}`,
      });
      const sent = await h.call<{ assistantMessage: { id: string }; userMessage: { id: string } }>(
        "POST",
        `/api/v1/conversations/${cid}/messages`,
        { token: owner.token, body: { content: "hi" } },
      );
      expect(sent.status).toBe(202);
      const answerId = sent.body.assistantMessage.id;
      await sse.until((events) =>
        events.some(
          (e) => e.event === "message.completed" && (e.data as { messageId: string }).messageId === answerId,
        ),
      );
      sse.close();
      const view = await h.call<{ messages: { id: string; content: string; feedback?: unknown }[] }>(
        "GET",
        `/api/v1/conversations/${cid}`,
        { token: owner.token },
      );
      expect(view.body.messages.find((m) => m.id === answerId)).toMatchObject({
        content: "system=Chat as v1. temperature=0.5",
      });
      expect(view.body.messages.find((m) => m.id === answerId)?.feedback).toBeUndefined();
      // The upstream got the version's instructions first, and its temperature and output limit.
      const upstream = fake.requests
        .map(
          (r) =>
            r.body as {
              messages?: { role: string; content: string }[];
              temperature?: number;
              max_tokens?: number;
            },
        )
        .find((b) => b.messages?.[0]?.content === "Chat as v1.");
      expect(upstream).toMatchObject({
        messages: [{ role: "system" }, { role: "user", content: "hi" }],
        temperature: 0.5,
        max_tokens: 40,
      });

      const rate = (token: string, body: unknown, messageId = answerId) =>
        h.call<MessageFeedback>("PUT", `/api/v1/conversations/${cid}/messages/${messageId}/feedback`, {
          token,
          body,
        });
      expect((await rate(owner.token, { rating: "up", comment: "spot on" })).body).toEqual({
        messageId: answerId,
        up: 1,
        down: 0,
        mine: "up",
        comment: "spot on",
      });
      // One rating per person: changing it replaces it.
      await rate(owner.token, { rating: "down" });
      const colleague = await member("developer");
      expect((await rate(colleague.token, { rating: "up" })).body).toMatchObject({
        up: 1,
        down: 1,
        mine: "up",
      });
      const seen = await h.call<{ messages: { id: string; feedback?: unknown }[] }>(
        "GET",
        `/api/v1/conversations/${cid}`,
        {
          token: colleague.token,
        },
      );
      expect(seen.body.messages.find((m) => m.id === answerId)?.feedback).toEqual({
        up: 1,
        down: 1,
        mine: "up",
      });

      let stats = await h.call<PromptStats>("GET", `/api/v1/prompts/${id}/stats`, { token: owner.token });
      expect(stats.body.versions).toMatchObject([
        { version: 1, calls: 1, failures: 0, thumbsUp: 1, thumbsDown: 1 },
      ]);
      await rate(owner.token, { rating: null });
      stats = await h.call<PromptStats>("GET", `/api/v1/prompts/${id}/stats`, { token: owner.token });
      expect(stats.body.versions).toMatchObject([{ version: 1, thumbsUp: 1, thumbsDown: 0 }]);

      // Bad input and other places: a user message, an unknown message, a wrong rating, an outsider.
      const code = (res: { status: number; body: unknown }) => [
        res.status,
        (res.body as ErrorEnvelope).error.code,
      ];
      expect(code(await rate(owner.token, { rating: "up" }, sent.body.userMessage.id))).toEqual([
        409,
        "message.feedback_not_allowed",
      ]);
      expect(code(await rate(owner.token, { rating: "up" }, "nope"))).toEqual([404, "message.not_found"]);
      expect(code(await rate(owner.token, { rating: "meh" }))).toEqual([400, "validation.failed"]);
      const outsider = await h.user("developer");
      expect(code(await rate(outsider.token, { rating: "up" }))).toEqual([404, "conversation.not_found"]);

      // A rating is a write: a viewer of the team, or a key holding only conversations:read, may not.
      const viewer = await member("viewer");
      expect(code(await rate(viewer.token, { rating: "up" }))).toEqual([403, "auth.forbidden"]);
      const readKey = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: owner.token,
        body: { name: "reader", permissions: ["conversations:read"], teamId },
      });
      expect(code(await rate(readKey.body.key, { rating: "up" }))).toEqual([403, "auth.forbidden"]);

      // 20 people rating at once, then one person changing their mind 20 times at once: the
      // version counts exactly the ratings stored.
      const raters = await Promise.all(Array.from({ length: 20 }, () => member("developer")));
      const rated = await Promise.all(
        raters.map((r, i) => rate(r.token, { rating: i % 4 === 0 ? "down" : "up" })),
      );
      expect(rated.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
      const changed = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          rate(owner.token, { rating: i % 3 === 0 ? null : i % 2 ? "up" : "down" }),
        ),
      );
      expect(changed.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
      const final = await h.call<{ messages: { id: string; feedback?: { up: number; down: number } }[] }>(
        "GET",
        `/api/v1/conversations/${cid}`,
        { token: owner.token },
      );
      const counts = final.body.messages.find((m) => m.id === answerId)?.feedback;
      // The colleague's and the 20 raters' (15 up, 5 down), and the owner's last, if any.
      expect((counts?.up ?? 0) + (counts?.down ?? 0)).toBeGreaterThanOrEqual(21);
      stats = await h.call<PromptStats>("GET", `/api/v1/prompts/${id}/stats`, { token: owner.token });
      expect(stats.body.versions).toMatchObject([
        { version: 1, thumbsUp: counts?.up, thumbsDown: counts?.down },
      ]);
    });
  },
);
