import { chatTopics, GenerationJob, type ErrorCode } from "@parley/contracts";
import type { Logger } from "pino";
import type { TypedBus } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { Cache } from "../../platform/registry/registry.port.ts";
import { appendReliably } from "./answer-log.ts";
import type { ChatRepository, MessageRow } from "./chat.repository.ts";
import { chatKeys } from "./chat.keys.ts";
import { LEASE_MS } from "./generation-context.ts";

/** What failing an answer needs. */
export interface FailDeps {
  chats: ChatRepository;
  bus: TypedBus;
  clock: Clock;
}

/** The code of an answer whose generator died: a lost worker, or a crashed embedded server. */
export const LOST_CODE: ErrorCode = "worker.lost";
const LOST_WORKER = "The worker generating this answer stopped; send the message again";
const RESTARTED = "The server restarted while generating this answer; send the message again";

/**
 * Fails a streaming message once (the one guarded finalizer), and tells its listeners.
 * @param content the answer's text, when the caller knows it; without it, the text stored so far
 *   (its progress, see `AnswerProgress`) is kept as it is in the database.
 * @returns whether this call failed it (false when it had ended already).
 */
export async function finalizeFailed(
  deps: FailDeps,
  message: MessageRow,
  code: ErrorCode,
  text: string,
  content?: string,
): Promise<boolean> {
  const won = await deps.chats.finalize(message.id, {
    ...(content === undefined ? {} : { content }),
    status: "failed",
    error_code: code,
    error_message: text,
    completed_at: deps.clock.now(),
  });
  if (won) {
    await appendReliably(deps.bus, chatTopics.answerLog(message.conversation_id), {
      type: "message.failed",
      messageId: message.id,
      error: { code, message: text },
    });
  }
  return won;
}

/**
 * The text of an answer as its deltas in the log spell it, from index 0 while indexes follow on
 * (after its last `message.restarted`, if it was generated again); empty when the log no longer
 * holds them (expired, or an in-memory log of a previous process).
 */
export async function textFromLog(bus: TypedBus, message: MessageRow): Promise<string> {
  const entries = await bus.read(chatTopics.answerLog(message.conversation_id), { afterSeq: 0 });
  let parts: string[] = [];
  for (const entry of entries) {
    const event = entry.data;
    if (event.messageId !== message.id) continue;
    // Generated again from nothing: only the new text counts.
    if (event.type === "message.restarted") parts = [];
    else if (event.type === "message.delta" && event.index === parts.length) parts.push(event.text);
  }
  return parts.join("");
}

/**
 * Fails an answer whose worker is gone with the most text known: the log's when it holds more
 * than the progress stored (it may hold up to one progress interval more), else the stored text.
 * @param why `restart` when the whole server died (start-up recovery), else a lost worker.
 */
export async function failLostAnswer(
  deps: FailDeps & { logger: Logger },
  message: MessageRow,
  why: "worker" | "restart" = "worker",
): Promise<boolean> {
  const logged = await textFromLog(deps.bus, message).catch((err: unknown) => {
    deps.logger.warn({ err, messageId: message.id }, "could not read a lost answer's text from the log");
    return "";
  });
  // The stored progress is a prefix of the logged text; a longer log adds what came after it.
  const content = logged.length > message.content.length ? logged : undefined;
  return finalizeFailed(deps, message, LOST_CODE, why === "worker" ? LOST_WORKER : RESTARTED, content);
}

/**
 * Answers whose worker died (streaming, started by a worker, no live lease): the first loss
 * enqueues the answer's job again, so the next worker generates it anew (see the generation
 * worker); a second loss, or a job whose copy is gone, fails it with `worker.lost`. Runs on every
 * process, so a lost worker is noticed even when no other worker is left; the retry waits in the
 * queue for one.
 */
export function startLostWorkerSweep(
  deps: FailDeps & { cache: Cache; logger: Logger },
  intervalMs = 5_000,
): () => void {
  const sweep = async () => {
    const stale = await deps.chats.staleStreaming(deps.clock.now() - LEASE_MS, 50);
    for (const message of stale) {
      const [started, lease, retried, job] = await Promise.all([
        deps.cache.get(chatKeys.started(message.id)),
        deps.cache.get(chatKeys.lease(message.id)),
        deps.cache.get(chatKeys.retried(message.id)),
        deps.cache.get(chatKeys.job(message.id)),
      ]);
      if (!started || lease) continue;
      const again = retried ? null : GenerationJob.safeParse(job);
      if (again?.success) {
        // One id for every sweep's enqueue of it: the queue keeps one.
        await deps.bus.enqueue(chatTopics.generate, { id: `${message.id}:retry`, payload: again.data });
      } else {
        await failLostAnswer(deps, message);
      }
    }
  };
  const timer = setInterval(() => {
    sweep().catch((err: unknown) => {
      deps.logger.warn({ err }, "lost-worker sweep failed");
    });
  }, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}

/**
 * Start-up recovery for a process that is the only one on its database (embedded: SQLite in its
 * locked data folder). Every answer still `streaming` there was being generated by a process that
 * is dead now (its jobs, leases and log were in its memory), so nothing would ever end it: each
 * is failed with `worker.lost`, keeping the text its progress stored, before the server serves.
 * @returns how many answers were failed.
 */
export async function failAnswersLeftStreaming(deps: FailDeps & { logger: Logger }): Promise<number> {
  let failed = 0;
  for (;;) {
    const batch = await deps.chats.staleStreaming(Number.MAX_SAFE_INTEGER, 100);
    if (batch.length === 0) break;
    for (const message of batch) {
      // Not won: it ended meanwhile, and is no longer streaming either way.
      if (await failLostAnswer(deps, message, "restart")) failed++;
    }
  }
  if (failed > 0) deps.logger.warn({ failed }, "failed answers left streaming by a previous process");
  return failed;
}
