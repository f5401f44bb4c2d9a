import type { Kysely } from "kysely";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import {
  addRule,
  askChat,
  clearRules,
  completeGateway,
  decisions,
  streamGateway,
  type Spec,
} from "./governance-support.ts";

// A GitHub token secretlint's preset knows, and the personal data the PII detector knows.
// (Assembled, so that no scanner of this repository mistakes the test for a leak.)
const TOKEN = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO", "0pINUx"].join("");
const EMAIL = "ann.lee@example.org";
const CARD = "4111 1111 1111 1111";

const rule = (tier: string, action: string, condition: Record<string, unknown>, extra: Spec = {}): Spec => ({
  name: `${tier} ${action} ${Object.keys(condition).join(",")}`,
  tier,
  scope: {},
  condition,
  action,
  ...extra,
});
const secrets = { detectors: [{ type: "secrets" }] };
const pii = { detectors: [{ type: "pii", kinds: ["email", "card"] }] };

let fake: FakeUpstream;
let h: Harness;
let key: string;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 40 });
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_AI_MAX_RETRIES: "0",
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 100000, aiPerMinute: 100000 } }),
  });
  const created = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token: h.adminToken,
    body: { name: "governed", permissions: ["ai:use"] },
  });
  key = created.body.key;
  client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key, maxRetries: 0 });
}, 60_000);
afterAll(async () => {
  await h.stop();
  await fake.close();
});
beforeEach(async () => {
  await clearRules(h);
  fake.configure({
    text: "A plain answer with nothing to hide.",
    textFor: undefined,
    chunks: 40,
    reply: "text",
  });
  fake.resetLog();
});

const ask = (content: string): OpenAI.Chat.ChatCompletionMessageParam[] => [{ role: "user", content }];
const upstreamSaw = () =>
  JSON.stringify(fake.requests.filter((r) => r.path.endsWith("/chat/completions")).map((r) => r.body));

describe("before the call", () => {
  it("blocks a prompt with a secret on /v1, names the rule, never calls the provider, and records a fingerprint", async () => {
    const id = await addRule(h, rule("before", "block", secrets, { name: "No secrets out" }));
    const answer = await completeGateway(client, {
      model: "fake/fake-model",
      messages: ask(`deploy with ${TOKEN}`),
    });
    expect(answer.error).toMatchObject({ status: 403, code: "governance.blocked" });
    expect(answer.error?.message).toContain('"No secrets out"');
    expect(answer.error?.message).not.toContain(TOKEN);
    const streamed = await streamGateway(h, key, {
      model: "fake/fake-model",
      messages: ask(`deploy with ${TOKEN}`),
    });
    expect(streamed).toMatchObject({ status: 403, error: { code: "governance.blocked" } });
    expect(fake.requests.filter((r) => r.path.endsWith("/chat/completions"))).toHaveLength(0);

    const recorded = await decisions(h, `&ruleId=${id}`);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({
      action: "block",
      tier: "before",
      surface: "gateway",
      ruleVersion: 1,
    });
    expect(recorded[0]?.matches[0]?.kind).toBe("secret");
    expect(recorded[0]?.matches[0]?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const audit = await h.call<{ items: unknown[] }>("GET", "/api/v1/audit?limit=20", {
      token: h.adminToken,
    });
    const entries = JSON.stringify(audit.body.items);
    expect(entries).toContain("governance.decision");
    expect(entries).not.toContain(TOKEN);
    expect(JSON.stringify(recorded)).not.toContain(TOKEN);
  });

  it("redacts to placeholders for the provider and restores them for the caller, streamed or not", async () => {
    await addRule(h, rule("before", "redact", pii));
    // The model repeats what it was sent, so the answer holds the placeholders.
    fake.configure({
      textFor: (body) => {
        const messages = body.messages as { content: string }[];
        return `You wrote: ${messages.at(-1)?.content ?? ""} Done.`;
      },
      chunks: 60,
    });
    const prompt = `Mail ${EMAIL} and charge ${CARD}, then mail ${EMAIL} again.`;
    const whole = await completeGateway(client, { model: "fake/fake-model", messages: ask(prompt) });
    expect(whole.text).toBe(`You wrote: ${prompt} Done.`);
    const streamed = await streamGateway(h, key, { model: "fake/fake-model", messages: ask(prompt) });
    expect(streamed.text).toBe(`You wrote: ${prompt} Done.`);
    expect(streamed.done).toBe(true);
    const sent = upstreamSaw();
    expect(sent).not.toContain(EMAIL);
    expect(sent).not.toContain("4111");
    expect(sent).toContain("Mail <EMAIL_1> and charge <CARD_1>, then mail <EMAIL_1> again.");

    const chat = await askChat(h, h.adminToken, prompt);
    expect(chat.failure).toBeNull();
    expect(chat.text).toBe(`You wrote: ${prompt} Done.`);
    expect(chat.stored).toBe(`You wrote: ${prompt} Done.`);
  });

  it("blocks a model that is not on an allow-list, and lets the listed one through", async () => {
    await addRule(h, rule("before", "block", { allowedModels: ["fake/fake-large"] }));
    const refused = await completeGateway(client, { model: "fake/fake-model", messages: ask("hi") });
    expect(refused.error).toMatchObject({ status: 403, code: "governance.blocked" });
    expect(refused.error?.message).toContain("fake/fake-model is not on the rule's list");
  });

  it("applies a rule only where it is scoped: a chat-only rule leaves /v1 alone", async () => {
    await addRule(h, rule("before", "block", secrets, { scope: { surfaces: ["chat"] } }));
    const gateway = await completeGateway(client, {
      model: "fake/fake-model",
      messages: ask(`use ${TOKEN}`),
    });
    expect(gateway.error).toBeNull();
    const chat = await askChat(h, h.adminToken, `use ${TOKEN}`);
    expect(chat.failure).toMatchObject({ code: "governance.blocked" });
    expect(chat.text).toBe("");
  });

  it("warns and records without changing the call", async () => {
    const id = await addRule(h, rule("before", "warn", pii));
    const answer = await completeGateway(client, {
      model: "fake/fake-model",
      messages: ask(`call ${EMAIL}`),
    });
    expect(answer.error).toBeNull();
    expect(upstreamSaw()).toContain(EMAIL);
    expect((await decisions(h, `&ruleId=${id}`))[0]).toMatchObject({ action: "warn", tier: "before" });
    // The call's one hash-chained audit entry holds its decisions (fingerprints, no text).
    const audit = await h.call<{ items: { action: string; summary: { governance?: unknown[] } }[] }>(
      "GET",
      "/api/v1/audit?limit=5",
      { token: h.adminToken },
    );
    const call = audit.body.items.find((e) => e.action === "ai.chat");
    expect(call?.summary.governance).toEqual([
      expect.objectContaining({ decision: "warn", ruleId: id, tier: "before", ruleVersion: 1 }),
    ]);
    expect(JSON.stringify(call)).not.toContain(EMAIL);
  });
});

describe("during the stream", () => {
  const secretAnswer = `Here is the key you asked for: ${TOKEN} and more text after it.`;

  it("stops a secret split across chunks before any of it reaches the client: /v1 ends with an error, no [DONE]", async () => {
    await addRule(h, rule("during", "block", secrets));
    fake.configure({ text: secretAnswer, chunks: secretAnswer.length }); // one character a chunk
    const streamed = await streamGateway(h, key, { model: "fake/fake-model", messages: ask("key?") });
    expect(streamed.status).toBe(200);
    expect(streamed.done).toBe(false);
    expect(streamed.error).toMatchObject({ code: "governance.blocked" });
    expect(streamed.raw).not.toContain("ghp_");
    // Everything before the secret arrived.
    expect(streamed.text).toBe("Here is the key you asked for: ");

    const whole = await completeGateway(client, { model: "fake/fake-model", messages: ask("key?") });
    expect(whole.error).toMatchObject({ status: 403, code: "governance.blocked" });
  });

  it("stops it in chat too: the answer fails, keeps the text before the secret, and never stores the secret", async () => {
    await addRule(h, rule("during", "block", secrets));
    fake.configure({ text: secretAnswer, chunks: 25 });
    const chat = await askChat(h, h.adminToken, "key?");
    expect(chat.failure).toMatchObject({ code: "governance.blocked" });
    expect(JSON.stringify(chat.events)).not.toContain("ghp_");
    expect(chat.text).toBe("Here is the key you asked for: ");
    expect(chat.stored).not.toContain("ghp_");
  });

  it("masks what a redact rule finds in the answer, however it is split", async () => {
    await addRule(h, rule("during", "redact", pii));
    const text = `Reach ${EMAIL} or pay with ${CARD}.`;
    for (const chunks of [1, 3, 7, text.length]) {
      fake.configure({ text, chunks });
      const streamed = await streamGateway(h, key, { model: "fake/fake-model", messages: ask("contact?") });
      expect(streamed.text, `${chunks} chunks`).toBe("Reach [redacted email] or pay with [redacted card].");
      expect(streamed.done).toBe(true);
    }
  });

  it("checks tool-call arguments whole before sending them", async () => {
    await addRule(h, rule("during", "block", pii));
    const tools: OpenAI.Chat.ChatCompletionTool[] = [
      {
        type: "function",
        function: {
          name: "send_mail",
          parameters: {
            type: "object",
            properties: { to: { type: "string", const: EMAIL } },
            required: ["to"],
          },
        },
      },
    ];
    const streamed = await streamGateway(h, key, {
      model: "fake/fake-model",
      messages: ask("mail her"),
      tools,
    });
    expect(streamed.error).toMatchObject({ code: "governance.blocked" });
    expect(streamed.raw).not.toContain("example.org");
    const whole = await completeGateway(client, {
      model: "fake/fake-model",
      messages: ask("mail her"),
      tools,
    });
    expect(whole.error).toMatchObject({ status: 403, code: "governance.blocked" });
  });

  it("stops an answer that passes its token ceiling", async () => {
    await addRule(h, rule("during", "block", { maxOutputTokens: 5 }));
    fake.configure({ text: "word ".repeat(40).trim(), chunks: 40 });
    const streamed = await streamGateway(h, key, { model: "fake/fake-model", messages: ask("talk") });
    expect(streamed.error).toMatchObject({ code: "governance.blocked" });
    expect(streamed.text.length).toBeLessThanOrEqual(5 * 4 + 5);
  });
});

describe("after the call", () => {
  const answer = "The launch of Project Nova is on Monday.";

  it("blocks a whole (non-streamed) answer a post check fails, and records a streamed one", async () => {
    const id = await addRule(
      h,
      rule("after", "block", { detectors: [{ type: "keywords", words: ["project nova"] }] }),
    );
    fake.configure({ text: answer, chunks: 5 });
    const whole = await completeGateway(client, { model: "fake/fake-model", messages: ask("when?") });
    expect(whole.error).toMatchObject({ status: 403, code: "governance.blocked" });
    const streamed = await streamGateway(h, key, { model: "fake/fake-model", messages: ask("when?") });
    expect(streamed.text).toBe(answer);
    expect(streamed.done).toBe(true);
    const recorded = await decisions(h, `&ruleId=${id}`);
    expect(recorded.map((d) => d.action).sort()).toEqual(["block", "record"]);
    expect(recorded.find((d) => d.action === "record")?.reason).toContain("already been streamed");
  });

  it("refuses invalid JSON when JSON was asked for, and lets valid JSON through", async () => {
    const id = await addRule(h, rule("after", "block", { requireValidJson: true }));
    const json = {
      model: "fake/fake-model",
      messages: ask("json please"),
      response_format: { type: "json_object" },
    } as const;
    fake.configure({ text: "fine" });
    const ok = await completeGateway(client, json);
    expect(ok.error).toBeNull();
    expect(JSON.parse(ok.text)).toEqual({ answer: "fine" });
    // A model that ignores the format.
    fake.configure({ text: "Sure! Here is your JSON: {answer: fine}", reply: "plain" });
    const refused = await completeGateway(client, json);
    expect(refused.error).toMatchObject({ status: 403, code: "governance.blocked" });
    expect(refused.error?.message).toContain("not valid JSON");
    // Asked without JSON, the same text is fine.
    expect(
      (await completeGateway(client, { model: "fake/fake-model", messages: ask("hi") })).error,
    ).toBeNull();
    fake.configure({ reply: "text" });
    expect((await decisions(h, `&ruleId=${id}`)).map((d) => d.action)).toEqual(["block"]);
  });
});

describe("failing closed", () => {
  async function breakRule(id: string) {
    // A stored version the current engine cannot run (written by an older version, say).
    const db = h.parley.platform.database.db as unknown as Kysely<{
      governance_rule_versions: { rule_id: string; spec: string };
    }>;
    const spec = {
      name: "Legacy pattern",
      tier: "before",
      scope: {},
      condition: { detectors: [{ type: "regex", pattern: "(?=lookahead)x" }] },
      action: "block",
    };
    await db
      .updateTable("governance_rule_versions")
      .set({ spec: JSON.stringify(spec) })
      .where("rule_id", "=", id)
      .execute();
    // The edit went around the API: tell the rule book, as any rule change would.
    await h.call("PUT", `/api/v1/governance/rules/${id}/enabled`, {
      token: h.adminToken,
      body: { enabled: true },
    });
  }

  it("blocks the call when a check cannot run, says so, and counts it", async () => {
    const id = await addRule(h, rule("before", "block", { detectors: [{ type: "regex", pattern: "x" }] }));
    await breakRule(id);
    const answer = await completeGateway(client, { model: "fake/fake-model", messages: ask("anything") });
    expect(answer.error).toMatchObject({ status: 503, code: "governance.check_failed" });
    expect(answer.error?.message).toContain("fails closed");
    const metrics = await fetch(`${h.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /parley_governance_check_failures_total\{[^}]*tier="before"[^}]*outcome="blocked"[^}]*\} [1-9]/,
    );
  });
});

describe("the recommended rules", () => {
  it("install once (again: nothing new), keep secrets out both ways and personal data from the provider", async () => {
    const first = await h.call<{ items: { name: string }[] }>(
      "POST",
      "/api/v1/governance/rules/recommended",
      {
        token: h.adminToken,
        body: {},
      },
    );
    expect(first.status).toBe(201);
    expect(first.body.items.map((r) => r.name)).toEqual([
      "No secrets to providers",
      "Personal data stays here",
      "No secrets in answers",
      "No card numbers in answers",
    ]);
    const again = await h.call<{ items: unknown[] }>("POST", "/api/v1/governance/rules/recommended", {
      token: h.adminToken,
      body: {},
    });
    expect(again.body.items).toEqual([]);

    const secret = await completeGateway(client, { model: "fake/fake-model", messages: ask(`use ${TOKEN}`) });
    expect(secret.error).toMatchObject({ status: 403, code: "governance.blocked" });
    fake.configure({
      textFor: (body) => `Noted: ${(body.messages as { content: string }[]).at(-1)?.content ?? ""}`,
    });
    const personal = await completeGateway(client, {
      model: "fake/fake-model",
      messages: ask(`mail ${EMAIL}`),
    });
    expect(personal.text).toBe(`Noted: mail ${EMAIL}`);
    expect(upstreamSaw()).not.toContain(EMAIL);
    fake.configure({ textFor: undefined, text: `The card is ${CARD}.` });
    const card = await streamGateway(h, key, { model: "fake/fake-model", messages: ask("card?") });
    expect(card.text).toBe("The card is [redacted card].");
  });
});
