import { setTimeout as sleep } from "node:timers/promises";
import type { GenerationJob } from "@parley/contracts";
import { channelPrincipal, type Principal } from "../../kernel/principal.ts";
import type { MessageRow } from "./chat.repository.ts";
import { chatKeys } from "./chat.keys.ts";
import type { GenerationDeps } from "./generation.jobs.ts";

export const LEASE_MS = 15_000;
export const STARTED_TTL_MS = 24 * 60 * 60 * 1000;

/** What an answer needs before its provider call. */
export interface AnswerContext {
  message: MessageRow;
  history: MessageRow[];
  /** Null when the sender's account no longer exists. */
  principal: Principal | null;
  cancelled: boolean;
}

/**
 * Reads the answer's sender, its cancel flag, and its message and history, all at once (each
 * sequential round trip here delays the first token). Null when the message
 * is no longer streaming (a duplicate delivery of a finished answer), or was never stored (the
 * send failed and abandoned the job).
 * @throws Error when the message is still not there after {@link COMMIT_PATIENCE_MS}: the job is
 *   delivered again later.
 */
export async function loadContext(
  deps: Pick<GenerationDeps, "chats" | "auth" | "cache">,
  job: GenerationJob,
  signal: AbortSignal,
): Promise<AnswerContext | null> {
  const id = job.assistantMessageId;
  // A channel's visitor's answer is generated as the channel's narrowed principal, as it was sent.
  const sender = deps.auth
    .principalOfUser(job.userId)
    .then((p) => (p && job.channel ? channelPrincipal(p, job.channel) : p));
  const cancelled = deps.cache.get(chatKeys.cancelFlag(id)).then(Boolean);
  const [principal, wasCancelled, stored] = await Promise.all([
    sender,
    cancelled,
    readStored(deps, job, signal, cancelled),
  ]);
  if (stored?.message.status !== "streaming") return null;
  const { message, messages } = stored;
  const history = messages.filter((m) => m.position < message.position && m.status === "completed");
  return { message, history, principal, cancelled: wasCancelled };
}

/** How long a worker waits for the send that enqueued its job to commit the message. */
const COMMIT_PATIENCE_MS = 3_000;

/**
 * The answer's message and the conversation's current messages. The send enqueues the job while
 * it stores the exchange, so the job can arrive before the commit: a message not visible yet is
 * read again shortly. A cancel (the send's abandon signal, read once it matters) ends the wait.
 */
async function readStored(
  deps: Pick<GenerationDeps, "chats">,
  job: GenerationJob,
  signal: AbortSignal,
  cancelled: Promise<boolean>,
): Promise<{ message: MessageRow; messages: MessageRow[] } | null> {
  const id = job.assistantMessageId;
  const deadline = Date.now() + COMMIT_PATIENCE_MS;
  // The first miss reads again at once (a job that outran its commit mostly finds it landing
  // meanwhile: a third of the answers in a distributed benchmark), later ones after 2, 4, 8… ms.
  for (let pause = 0; ; pause = Math.min(Math.max(pause * 2, 2), 100)) {
    const messages = await deps.chats.messages(job.conversationId);
    const current = messages.find((m) => m.id === id);
    if (current) return { message: current, messages };
    // Not current: replaced since (an old job), or committed just after that read (read again at
    // once, for the history), or not stored yet.
    const message = await deps.chats.findMessage(id);
    const late = message?.status === "streaming" && message.replaced_at === null;
    if (message && !late) return { message, messages };
    if (!message && (signal.aborted || (await cancelled))) return null;
    if (Date.now() > deadline) throw new Error(`message ${id} of a generation job is not stored yet`);
    if (late) continue;
    if (pause > 0) await sleep(pause, undefined, { signal }).catch(() => undefined);
  }
}

/**
 * Takes the answer's lease, then marks it started, in one round trip: `held` when another worker
 * has the lease, `started-before` when a worker that is gone started it (its chunks are in the log).
 */
export async function claimAnswer(
  deps: Pick<GenerationDeps, "cache" | "workerId">,
  messageId: string,
): Promise<"claimed" | "held" | "started-before"> {
  const taken = await deps.cache.setIfAbsentInTurn(
    { key: chatKeys.lease(messageId), ttlMs: LEASE_MS },
    { key: chatKeys.started(messageId), ttlMs: STARTED_TTL_MS },
    deps.workerId,
  );
  return taken === 0 ? "held" : taken === 1 ? "started-before" : "claimed";
}
