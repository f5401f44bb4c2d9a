/**
 * Governance conformance (issue 15, acceptance point 10): secrets and personal data must never
 * reach a client (or, for a prompt, the provider) past a rule that blocks or redacts them, on
 * any surface, however the upstream splits the answer.
 *
 * Cases are generated from dimensions in conformance-cases.ts (payload × position × chunking ×
 * surface × action, plus tool-call arguments and the `after` tier); a leak is defined there once
 * (`findLeak`). One server and one fake upstream serve the whole file; each rule group (tier and
 * action) is created once, and its cases run one after another.
 */
import type { DryRunResult } from "@parley/contracts";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import {
  afterCases,
  answerText,
  before,
  chunksFor,
  cutsPayload,
  DETECTORS,
  ECHO,
  findLeak,
  LEAD,
  masked,
  PAYLOADS,
  promptWith,
  QUESTION,
  TAIL,
  textCases,
  toolCases,
  type Case,
  type Payload,
} from "./conformance-cases.ts";
import { addRule, askChat, clearRules, completeGateway, streamGateway } from "./governance-support.ts";

let fake: FakeUpstream;
let h: Harness;
let key: string;
let client: OpenAI;
/** The raw body of the last non-streamed `/v1` response the SDK read (what reached the client). */
let lastRawBody = "";

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 1 });
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_AI_MAX_RETRIES: "0",
    PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 1_000_000, aiPerMinute: 1_000_000 } }),
  });
  const created = await h.call<{ key: string }>("POST", "/api/v1/api-keys", {
    token: h.adminToken,
    body: { name: "conformance", permissions: ["ai:use"] },
  });
  key = created.body.key;
  client = new OpenAI({
    baseURL: `${h.url}/v1`,
    apiKey: key,
    maxRetries: 0,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      lastRawBody = await res.clone().text();
      return res;
    },
  });
}, 60_000);
afterAll(async () => {
  await h.stop();
  await fake.close();
});

/** Every case's outcome, for the summary at the end. */
const results: { name: string; leak: string | null }[] = [];

const ask = (content: string): OpenAI.Chat.ChatCompletionMessageParam[] => [{ role: "user", content }];
const MODEL = "fake/fake-model";
const upstreamBodies = () =>
  fake.requests.filter((r) => r.path.endsWith("/chat/completions")).map((r) => JSON.stringify(r.body));
/** Text the client may see anyway: a fragment found in it is no leak (see `findLeak`). */
const allowedFor = (payload: Payload) => [
  LEAD,
  TAIL,
  QUESTION,
  promptWith(""),
  ECHO(""),
  `[redacted ${payload.kind}]`,
];
const labelOf = (kind: string) => kind.toUpperCase();

/** Checks `views` for a leak and records the outcome; the case fails on a leak. */
function leakCheck(name: string, who: string, views: string[], payload: Payload): void {
  const leak = findLeak(views, payload, allowedFor(payload));
  results.push({ name: `${name} [${who}]`, leak });
  expect(leak, `${name}: ${payload.name} leaked to ${who} (${JSON.stringify(leak)})`).toBeNull();
}

/** Replaces the rules with one of `tier` and `action` over every payload's detector. */
async function ruleGroup(tier: string, action: string): Promise<void> {
  await clearRules(h);
  await addRule(h, { name: `conformance ${tier} ${action}`, tier, scope: {}, condition: DETECTORS, action });
}

/** What a client saw on one surface, as the views a leak is looked for in. */
interface Seen {
  /** The answer's text as decoded (for a tool call: its arguments). */
  text: string;
  views: string[];
  /** How it ended: null when the answer completed. */
  error: { code: string | null | undefined; status?: number } | null;
  /** `/v1` streamed: whether `[DONE]` came. */
  done?: boolean;
  /** Chat: the answer as stored. */
  stored?: string;
}

async function callSurface(surface: Case["surface"], content: string): Promise<Seen> {
  if (surface === "chat SSE") {
    const chat = await askChat(h, h.adminToken, content);
    return {
      text: chat.text,
      views: [JSON.stringify(chat.events), chat.text, chat.stored],
      error: chat.failure ? { code: chat.failure.code } : null,
      stored: chat.stored,
    };
  }
  if (surface === "/v1 streamed") {
    const s = await streamGateway(h, key, { model: MODEL, messages: ask(content) });
    return {
      text: s.text,
      views: [s.raw, s.text],
      error: s.error || s.status !== 200 ? { code: s.error?.code, status: s.status } : null,
      done: s.done,
    };
  }
  lastRawBody = "";
  const whole = await completeGateway(client, { model: MODEL, messages: ask(content) });
  return { text: whole.text, views: [lastRawBody, whole.text], error: whole.error };
}

/** Asks the model to call a tool whose one argument is `value` (scripted with a JSON-schema `const`). */
async function callTool(surface: Exclude<Case["surface"], "chat SSE">, value: string): Promise<Seen> {
  const tools: OpenAI.Chat.ChatCompletionTool[] = [
    {
      type: "function",
      function: {
        name: "deliver",
        parameters: {
          type: "object",
          properties: { value: { type: "string", const: value } },
          required: ["value"],
        },
      },
    },
  ];
  if (surface === "/v1 streamed") {
    const s = await streamGateway(h, key, { model: MODEL, messages: ask("deliver it"), tools });
    return {
      text: s.toolArguments,
      views: [s.raw, s.toolArguments, s.text],
      error: s.error || s.status !== 200 ? { code: s.error?.code, status: s.status } : null,
      done: s.done,
    };
  }
  lastRawBody = "";
  const w = await completeGateway(client, { model: MODEL, messages: ask("deliver it"), tools });
  return { text: w.toolArguments, views: [lastRawBody, w.toolArguments, w.text], error: w.error };
}

function expectBlocked(c: Case, seen: Seen, tier: "before" | "during"): void {
  expect(seen.error?.code, c.name).toBe("governance.blocked");
  if (c.surface === "/v1 non-streamed") expect(seen.error?.status, c.name).toBe(403);
  if (tier === "before") {
    if (c.surface === "/v1 streamed") expect(seen.error?.status, c.name).toBe(403);
    expect(seen.text, c.name).toBe("");
    return;
  }
  if (c.surface === "/v1 non-streamed") return;
  const position = c.position as Exclude<Case["position"], "prompt">;
  // Nothing else is lost: the text before the payload arrived in full.
  expect(seen.text, `${c.name}: text before the payload`).toBe(before(position));
  if (c.surface === "/v1 streamed") {
    expect(seen.error?.status, c.name).toBe(200);
    expect(seen.done, `${c.name}: no [DONE] after a block`).toBe(false);
  }
}

describe("payloads: each is detected (dry-run), and the text around them is not", () => {
  it("finds every payload, alone and in an answer, with its kind, covering all of it", async () => {
    await ruleGroup("before", "redact");
    const problems: string[] = [];
    for (const payload of PAYLOADS) {
      for (const text of [payload.value, answerText("answer-middle", payload.value)]) {
        const res = await h.call<DryRunResult>("POST", "/api/v1/governance/dry-run", {
          token: h.adminToken,
          body: { text },
        });
        expect(res.status).toBe(200);
        const at = text.indexOf(payload.value);
        const matches = res.body.rules.flatMap((r) => r.matches);
        const covering = matches.find((m) => m.start <= at && m.end >= at + payload.value.length);
        if (!covering || covering.kind !== payload.kind)
          problems.push(`${payload.name}: ${JSON.stringify(matches)} in ${JSON.stringify(text)}`);
        if (findLeak([res.body.redactedText], payload, [LEAD, TAIL]) !== null)
          problems.push(`${payload.name}: redacted text ${JSON.stringify(res.body.redactedText)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("does not let a secretlint comment in a text switch the secrets check off", async () => {
    await ruleGroup("before", "redact");
    const secrets = PAYLOADS.filter((p) => p.kind === "secret" && !p.value.includes("\n"));
    const text = secrets
      .map((p, i) =>
        i % 2 ? `// secretlint-disable-line\n${p.value}` : `${p.value} // secretlint-disable-line`,
      )
      .join("\n");
    const res = await h.call<DryRunResult>("POST", "/api/v1/governance/dry-run", {
      token: h.adminToken,
      body: { text: `<!-- secretlint-disable -->\n${text}` },
    });
    const found = res.body.rules.flatMap((r) => r.matches).filter((m) => m.kind === "secret");
    expect(found.length).toBeGreaterThanOrEqual(secrets.length);
    for (const p of secrets) expect(res.body.redactedText).not.toContain(p.secret.slice(0, 8));
  });

  it("finds nothing in the text the cases put around the payloads", async () => {
    for (const text of [answerText("answer-middle", "x"), promptWith("x"), ECHO(promptWith("x")), QUESTION]) {
      const res = await h.call<DryRunResult>("POST", "/api/v1/governance/dry-run", {
        token: h.adminToken,
        body: { text },
      });
      expect(
        res.body.rules.flatMap((r) => r.matches),
        text,
      ).toEqual([]);
    }
  });
});

describe("the leak definition, and that the views really show a payload no rule stops", () => {
  const pem = PAYLOADS.find((p) => p.value.includes("\n")) as Payload;
  const card = PAYLOADS.find((p) => p.kind === "card") as Payload;

  it("finds the whole value, a 6-character piece, and a JSON-escaped multi-line key; not text the case allows", () => {
    expect(findLeak([`x ${card.value} y`], card, [])).toBe(card.value);
    expect(findLeak([`x ${card.value.slice(3, 9)} y`], card, [])).not.toBeNull();
    expect(findLeak([`x ${card.value.slice(3, 8)} y`], card, [])).toBeNull();
    expect(findLeak([JSON.stringify({ text: pem.value })], pem, [])).not.toBeNull();
    expect(findLeak([JSON.stringify({ text: pem.secret.slice(60, 70) })], pem, [])).not.toBeNull();
    expect(findLeak([`${LEAD}[redacted card]${TAIL}`], card, allowedFor(card))).toBeNull();
  });

  it("sees the payload on every surface, in the answer and in tool-call arguments, when no rule applies", async () => {
    await clearRules(h);
    for (const payload of [pem, card]) {
      const answer = answerText("answer-middle", payload.value);
      fake.configure({ text: answer, textFor: undefined, chunks: chunksFor("3-char", answer) });
      for (const surface of ["chat SSE", "/v1 streamed", "/v1 non-streamed"] as const) {
        const seen = await callSurface(surface, QUESTION);
        expect(findLeak(seen.views, payload, allowedFor(payload)), surface).not.toBeNull();
      }
      for (const surface of ["/v1 streamed", "/v1 non-streamed"] as const) {
        const seen = await callTool(surface, payload.value);
        expect(findLeak(seen.views, payload, allowedFor(payload)), `tool call, ${surface}`).not.toBeNull();
      }
    }
  });
});

const text = textCases();
const prompts = text.filter((c) => c.position === "prompt");
const answers = text.filter((c) => c.position !== "prompt");

describe.each(["block", "redact"] as const)("before tier, %s: payload in the prompt", (action) => {
  beforeAll(async () => {
    await ruleGroup("before", action);
  });

  it.each(prompts.filter((c) => c.action === action).map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const prompt = promptWith(c.payload.value);
    const sent = promptWith(`<${labelOf(c.payload.kind)}_1>`);
    fake.configure({
      text: undefined,
      textFor: (body) => {
        const messages = body.messages as { content: unknown }[];
        const last = messages.at(-1)?.content;
        return ECHO(typeof last === "string" ? last : JSON.stringify(last));
      },
      chunks: chunksFor(c.chunking, ECHO(sent)),
    });
    fake.resetLog();
    const seen = await callSurface(c.surface, prompt);
    leakCheck(c.name, "the provider", upstreamBodies(), c.payload);
    if (action === "block") {
      leakCheck(c.name, "the client", seen.views, c.payload);
      expectBlocked(c, seen, "before");
      expect(upstreamBodies(), `${c.name}: the provider was called`).toEqual([]);
    } else {
      // The provider saw the placeholder; the client sees the user's own text back.
      expect(upstreamBodies().join("\n"), c.name).toContain(sent);
      expect(seen.error, c.name).toBeNull();
      expect(seen.text, c.name).toBe(ECHO(prompt));
      if (c.surface === "chat SSE") expect(seen.stored, c.name).toBe(ECHO(prompt));
      if (c.surface === "/v1 streamed") expect(seen.done, c.name).toBe(true);
    }
  });
});

describe.each(["block", "redact"] as const)("during tier, %s: payload in the answer", (action) => {
  beforeAll(async () => {
    await ruleGroup("during", action);
  });

  it.each(answers.filter((c) => c.action === action).map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const position = c.position as Exclude<Case["position"], "prompt">;
    const answer = answerText(position, c.payload.value);
    const chunks = chunksFor(c.chunking, answer);
    if (c.chunking !== "whole") {
      const at = answer.indexOf(c.payload.value);
      expect(cutsPayload(answer, chunks, at, at + c.payload.value.length), `${c.name}: split inside`).toBe(
        true,
      );
    }
    fake.configure({ text: answer, textFor: undefined, chunks });
    const seen = await callSurface(c.surface, QUESTION);
    leakCheck(c.name, "the client", seen.views, c.payload);
    if (action === "block") {
      expectBlocked(c, seen, "during");
    } else {
      expect(seen.error, c.name).toBeNull();
      expect(seen.text, c.name).toBe(masked(position, c.payload.kind));
      if (c.surface === "chat SSE") expect(seen.stored, c.name).toBe(masked(position, c.payload.kind));
      if (c.surface === "/v1 streamed") expect(seen.done, c.name).toBe(true);
    }
  });

  it.each(
    toolCases()
      .filter((c) => c.action === action)
      .map((c) => [c.name, c] as const),
  )("%s", async (_, c) => {
    const args = JSON.stringify({ value: c.payload.value });
    fake.configure({ text: "unused", textFor: undefined, chunks: chunksFor(c.chunking, args) });
    const seen = await callTool(c.surface, c.payload.value);
    leakCheck(c.name, "the client", seen.views, c.payload);
    if (action === "block") {
      expect(seen.error?.code, c.name).toBe("governance.blocked");
      if (c.surface === "/v1 streamed") expect(seen.done, c.name).toBe(false);
      else expect(seen.error?.status, c.name).toBe(403);
    } else {
      expect(seen.error, c.name).toBeNull();
      expect(JSON.parse(seen.text), c.name).toEqual({ value: `[redacted ${c.payload.kind}]` });
    }
  });
});

describe("after tier, block: a whole (non-streamed) answer", () => {
  beforeAll(async () => {
    await ruleGroup("after", "block");
  });

  it.each(afterCases().map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const answer = answerText(c.position, c.payload.value);
    fake.configure({ text: answer, textFor: undefined, chunks: chunksFor(c.chunking, answer) });
    lastRawBody = "";
    const whole = await completeGateway(client, { model: MODEL, messages: ask(QUESTION) });
    leakCheck(c.name, "the client", [lastRawBody, whole.text], c.payload);
    expect(whole.error, c.name).toMatchObject({ status: 403, code: "governance.blocked" });
  });
});

describe("summary", () => {
  it("ran at least 50 cases and found no leak", () => {
    const leaks = results.filter((r) => r.leak !== null);
    const cases = new Set(results.map((r) => r.name.replace(/ \[.*\]$/, ""))).size;
    console.info(
      `governance conformance: ${cases} cases, ${results.length} leak checks, ${leaks.length} leaks` +
        leaks.map((l) => `\n  LEAK ${l.name}: ${JSON.stringify(l.leak)}`).join(""),
    );
    expect(cases).toBeGreaterThanOrEqual(50);
    expect(cases).toBe(textCases().length + toolCases().length + afterCases().length);
    expect(leaks).toEqual([]);
  });
});
