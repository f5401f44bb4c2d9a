import type { ErrorEnvelope, GovernanceDecision, GovernanceRule } from "@parley/contracts";
import OpenAI from "openai";
import { openSse, type SseEvent } from "../chat/sse-client.ts";
import type { Harness } from "../parley-harness.ts";

/** A rule spec as the API takes it (loosely typed: tests also send what it refuses). */
export type Spec = Record<string, unknown>;

/** Creates an organisation-wide rule as the admin; returns its id. */
export async function addRule(h: Harness, spec: Spec, teamId?: string): Promise<string> {
  const res = await h.call<GovernanceRule>("POST", "/api/v1/governance/rules", {
    token: h.adminToken,
    body: { ...(teamId ? { teamId } : {}), spec },
  });
  if (res.status !== 201) throw new Error(`rule refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Deletes every rule the admin sees (each test starts from none). */
export async function clearRules(h: Harness): Promise<void> {
  const list = await h.call<{ items: GovernanceRule[] }>("GET", "/api/v1/governance/rules?limit=100", {
    token: h.adminToken,
  });
  for (const rule of list.body.items)
    await h.call("DELETE", `/api/v1/governance/rules/${rule.id}`, { token: h.adminToken });
}

/** The decisions the admin sees, newest first. */
export async function decisions(h: Harness, query = ""): Promise<GovernanceDecision[]> {
  const res = await h.call<{ items: GovernanceDecision[] }>(
    "GET",
    `/api/v1/governance/decisions?limit=200${query}`,
    {
      token: h.adminToken,
    },
  );
  return res.body.items;
}

/** What a streamed `/v1` call showed: the text received, and how the stream ended. */
export interface GatewayStream {
  status: number;
  text: string;
  toolArguments: string;
  done: boolean;
  error: { code?: string; message?: string } | null;
  raw: string;
}

/** A streamed chat completion read raw (to see exactly what reached the client, `[DONE]` included). */
export async function streamGateway(
  h: Harness,
  key: string,
  body: Record<string, unknown>,
): Promise<GatewayStream> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const raw = await res.text();
  if (res.status !== 200) {
    const parsed = JSON.parse(raw) as { error?: { code?: string; message?: string } };
    return { status: res.status, text: "", toolArguments: "", done: false, error: parsed.error ?? null, raw };
  }
  let text = "";
  let toolArguments = "";
  let done = false;
  let error: GatewayStream["error"] = null;
  for (const line of raw.split("\n")) {
    if (!line.startsWith("data: ")) continue;
    const data = line.slice(6);
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    const chunk = JSON.parse(data) as {
      error?: { code?: string; message?: string };
      choices?: {
        delta?: { content?: string | null; tool_calls?: { function?: { arguments?: string } }[] };
      }[];
    };
    if (chunk.error) error = chunk.error;
    for (const choice of chunk.choices ?? []) {
      text += choice.delta?.content ?? "";
      for (const call of choice.delta?.tool_calls ?? []) toolArguments += call.function?.arguments ?? "";
    }
  }
  return { status: res.status, text, toolArguments, done, error, raw };
}

/** A non-streamed chat completion through the official client: its text, or the error code. */
export async function completeGateway(
  client: OpenAI,
  body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
): Promise<{
  text: string;
  toolArguments: string;
  error: { status: number; code: string | null | undefined; message: string } | null;
}> {
  try {
    const answer = await client.chat.completions.create(body);
    const message = answer.choices[0]?.message;
    const toolArguments = (message?.tool_calls ?? [])
      .map((c) => (c.type === "function" ? c.function.arguments : ""))
      .join("");
    return { text: message?.content ?? "", toolArguments, error: null };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    const code: string | null | undefined = error.code;
    const status: unknown = error.status;
    return {
      text: "",
      toolArguments: "",
      error: { status: typeof status === "number" ? status : 0, code, message: error.message },
    };
  }
}

/** What a chat answer showed over SSE: every delta's text joined, and how it ended. */
export interface ChatOutcome {
  text: string;
  events: SseEvent[];
  failure: { code: string; message: string } | null;
  /** The answer as stored (what a reload shows). */
  stored: string;
}

/** Sends `content` in a new conversation of the user and follows the answer to its end. */
export async function askChat(h: Harness, token: string, content: string): Promise<ChatOutcome> {
  const conversation = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
    token,
    body: { title: "Governed", model: "fake/fake-model" },
  });
  const id = conversation.body.id;
  const sse = await openSse(`${h.url}/api/v1/conversations/${id}/events`, {
    authorization: `Bearer ${token}`,
  });
  try {
    const sent = await h.call<{ assistantMessage: { id: string } } | ErrorEnvelope>(
      "POST",
      `/api/v1/conversations/${id}/messages`,
      {
        token,
        body: { content },
      },
    );
    if (sent.status !== 202) {
      const code = (sent.body as ErrorEnvelope).error.code;
      return {
        text: "",
        events: [],
        failure: { code, message: (sent.body as ErrorEnvelope).error.message },
        stored: "",
      };
    }
    const messageId = (sent.body as { assistantMessage: { id: string } }).assistantMessage.id;
    const ends = (e: SseEvent) =>
      ["message.completed", "message.failed", "message.cancelled"].includes(e.event) &&
      (e.data as { messageId?: string }).messageId === messageId;
    const events = await sse.until((all) => all.some(ends), 15_000);
    const mine = events.filter((e) => (e.data as { messageId?: string }).messageId === messageId);
    const text = mine
      .filter((e) => e.event === "message.delta")
      .map((e) => (e.data as { text: string }).text)
      .join("");
    const failed = mine.find((e) => e.event === "message.failed");
    const failure = failed ? (failed.data as { error: { code: string; message: string } }).error : null;
    const messages = await h.call<{ messages: { id: string; content: string }[] }>(
      "GET",
      `/api/v1/conversations/${id}`,
      { token },
    );
    const stored = messages.body.messages.find((m) => m.id === messageId)?.content ?? "";
    return { text, events: mine, failure, stored };
  } finally {
    sse.close();
  }
}
