import http from "node:http";
import { performance } from "node:perf_hooks";
import { openEventStream } from "./sse.ts";
import { runClosedLoop, type StreamJobResult } from "./stream-client.ts";

/** The chat path as a load: new conversation, SSE open, then POST a message and time the answer. */
export interface ChatJob {
  kind: "chat";
  baseUrl: string;
  token: string;
  model: string;
  concurrency: number;
  total: number;
  maxMs: number;
}

function postJson(agent: http.Agent, url: string, token: string, body: unknown): Promise<unknown> {
  const payload = JSON.stringify(body);
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          if ((res.statusCode ?? 0) >= 300) reject(new Error(`${url} answered ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text) as unknown);
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * One measured answer: the conversation and its event stream are set up first (not timed); the
 * clock starts when the message is POSTed and stops at the first `message.delta` of the answer
 * (TTFT) and at its `message.completed` (total).
 */
async function oneAnswer(job: ChatJob, agent: http.Agent): Promise<{ ttft: number; total: number }> {
  const conversation = (await postJson(agent, `${job.baseUrl}/api/v1/conversations`, job.token, {
    model: job.model,
  })) as { id: string };
  let messageId: string | null = null;
  let started = 0;
  let ttft = -1;
  let finished: (outcome: string) => void = () => undefined;
  const done = new Promise<string>((resolve) => (finished = resolve));
  const early: { event: string; id: string }[] = [];
  const stream = openEventStream(
    `${job.baseUrl}/api/v1/conversations/${conversation.id}/events`,
    { authorization: `Bearer ${job.token}` },
    (event) => {
      if (!event.event.startsWith("message.")) return;
      const data = JSON.parse(event.data) as { messageId: string };
      if (messageId === null) early.push({ event: event.event, id: data.messageId });
      else if (data.messageId === messageId) onAnswerEvent(event.event);
    },
  );
  const onAnswerEvent = (name: string) => {
    if (name === "message.delta" && ttft < 0) ttft = performance.now() - started;
    if (name === "message.completed" || name === "message.failed" || name === "message.cancelled")
      finished(name);
  };
  try {
    await stream.opened;
    started = performance.now();
    const sent = (await postJson(
      agent,
      `${job.baseUrl}/api/v1/conversations/${conversation.id}/messages`,
      job.token,
      { content: "Say something long." },
    )) as { assistantMessage: { id: string } };
    messageId = sent.assistantMessage.id;
    // Events that raced ahead of the 202.
    for (const e of early.splice(0)) if (e.id === messageId) onAnswerEvent(e.event);
    const timeout = setTimeout(() => {
      finished("timeout");
    }, 30_000);
    const outcome = await done;
    clearTimeout(timeout);
    const total = performance.now() - started;
    if (outcome !== "message.completed") throw new Error(`answer ended with ${outcome}`);
    return { ttft, total };
  } finally {
    stream.close();
  }
}

/** Runs one chat job to its end (bounded by `total` and `maxMs`). */
export function runChatJob(job: ChatJob): Promise<StreamJobResult> {
  // Each chat holds a POST and an SSE connection.
  return runClosedLoop(job, job.concurrency * 2, (agent) => oneAnswer(job, agent));
}
