import { chatTopics, PERSONA_MODEL_PREFIX, type ChatEvent, type GenerationJob } from "@parley/contracts";
import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import type { Logger } from "pino";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import type { ChatPart } from "../../kernel/ai-call.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { TypedBus, TypedJob } from "../../kernel/typed-bus.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { Subscription } from "../../platform/lifecycle.ts";
import type { Cache } from "../../platform/registry/registry.port.ts";
import { answerSources, type AiPipeline } from "../ai/index.ts";
import type { AuthService } from "../identity/index.ts";
import type { PersonaService } from "../prompts/index.ts";
import type { ChatRepository, MessageRow } from "./chat.repository.ts";
import type { ChatMetrics } from "./chat.metrics.ts";
import { AnswerLog } from "./answer-log.ts";
import { AnswerProgress } from "./answer-progress.ts";
import { chatKeys } from "./chat.keys.ts";
import { claimAnswer, LEASE_MS, loadContext, STARTED_TTL_MS } from "./generation-context.ts";
import { failLostAnswer, finalizeFailed } from "./lost-answers.ts";
import { nameConversation, titleFrom } from "./conversation-titles.ts";
import type { AttachmentService } from "./attachments.service.ts";

const RENEW_MS = 4_000;

/** Dependencies of the generation worker. */
export interface GenerationDeps {
  bus: TypedBus;
  chats: ChatRepository;
  auth: AuthService;
  pipeline: AiPipeline;
  /** Resolves `persona/<slug>[@<label>]` models to a persona version and its model. */
  personas: Pick<PersonaService, "resolve">;
  cache: Cache;
  clock: Clock;
  logger: Logger;
  /** Identifies this worker in leases. */
  workerId: string;
  concurrency: number;
  metrics?: ChatMetrics;
  /** The model that names a conversation after its first answer; null: the first message names it. */
  titleModel: string | null;
  /** The files sent with messages, given to the model with them. */
  attachments: Pick<AttachmentService, "promptParts">;
  /** Whether a model reads images (else an image is named, not sent). */
  readsImages: (model: string) => Promise<boolean>;
}

/**
 * Consumes generation jobs: runs the model through the AI pipeline and appends every chunk to
 * the conversation's durable log, then persists the answer exactly once. An answer whose worker
 * died is generated once more from nothing by the next worker to take its job (listeners get
 * `message.restarted`, and the new deltas count from 0 under their own dedupe ids); lost a second
 * time, it fails with `worker.lost`.
 * @returns a function that stops consuming (running answers finish first).
 */
export async function startGenerationWorker(deps: GenerationDeps): Promise<() => Promise<void>> {
  const running = new Map<string, AbortController>();
  const cancels: Subscription = await deps.bus.subscribe(chatTopics.cancel, ({ messageId }) => {
    running.get(messageId)?.abort();
  });
  const consumer = await deps.bus.consume(chatTopics.generate, (job) => generate(deps, job, running), {
    concurrency: deps.concurrency,
    ackWaitMs: 12_000,
    maxAttempts: 5,
  });
  return async () => {
    await consumer.close();
    await cancels.close();
  };
}

async function generate(
  deps: GenerationDeps,
  job: TypedJob<GenerationJob>,
  running: Map<string, AbortController>,
): Promise<void> {
  // A malformed job never gets here: the typed bus drops, counts and logs it.
  const messageId = job.payload.assistantMessageId;
  // Registered before anything is awaited, so that a cancel signal arriving while the answer is
  // prepared is not lost (the cancel flag, read below, covers the signals sent before).
  if (running.has(messageId)) return; // this process is generating it already
  const controller = new AbortController();
  running.set(messageId, controller);
  try {
    await prepareAndGenerate(deps, job, job.payload, controller);
  } finally {
    running.delete(messageId);
  }
}

async function prepareAndGenerate(
  deps: GenerationDeps,
  job: TypedJob<GenerationJob>,
  data: GenerationJob,
  controller: AbortController,
): Promise<void> {
  const { assistantMessageId: messageId, conversationId } = data;
  // The reads and the claim do not depend on each other: one round, since every sequential round
  // trip here delays the first token.
  const [loaded, claimed] = await Promise.allSettled([
    loadContext(deps, data, controller.signal),
    claimAnswer(deps, messageId),
  ]);
  const release = () => deps.cache.delete(chatKeys.lease(messageId)).catch(() => false);
  if (loaded.status === "rejected" || claimed.status === "rejected") {
    if (claimed.status === "fulfilled" && claimed.value !== "held") {
      // Nothing was generated: leave no trace, so that the redelivered job starts afresh.
      if (claimed.value === "claimed")
        await deps.cache.delete(chatKeys.started(messageId)).catch(() => false);
      await release();
    }
    throw loaded.status === "rejected" ? loaded.reason : (claimed as PromiseRejectedResult).reason;
  }
  const context = loaded.value;
  if (claimed.value === "held") return; // another worker holds the lease and is generating it
  if (!context) {
    await release(); // already finalized: a duplicate delivery
    return;
  }
  const { message } = context;
  let attempt = 1;
  if (claimed.value === "started-before") {
    // A worker that is gone started it: generate it once more from nothing (the first to take the
    // retry does), or fail it when it was generated again already and lost again.
    const retry = await deps.cache
      .setIfAbsent(chatKeys.retried(messageId), deps.workerId, STARTED_TTL_MS)
      .catch(() => false);
    if (!retry) {
      await failLostAnswer(deps, message);
      await release();
      return;
    }
    attempt = 2;
    deps.metrics?.retriedAnswers.inc();
    deps.logger.warn({ messageId }, "answer's worker was lost: generating it again");
  } else {
    // A copy of the job, for the sweep to enqueue again should this worker die.
    deps.cache.set(chatKeys.job(messageId), data, STARTED_TTL_MS).catch((err: unknown) => {
      deps.logger.warn({ err, messageId }, "could not keep a copy of a generation job");
    });
  }
  const log = new AnswerLog(deps.bus, chatTopics.answerLog(conversationId), attempt);
  const append = (event: ChatEvent): Promise<void> => log.append(event);
  const renew = setInterval(() => {
    void deps.cache.set(chatKeys.lease(messageId), deps.workerId, LEASE_MS).catch(() => undefined);
    void job.extend().catch(() => undefined);
  }, RENEW_MS);
  const started = deps.clock.now();
  const progress = new AnswerProgress({
    chats: deps.chats,
    clock: deps.clock,
    messageId,
    onError: (err) => {
      deps.logger.warn({ err, messageId }, "could not store an answer's progress");
    },
  });
  let text = "";
  let index = 0;
  /** The answer's sources as stored (JSON), null when it has none. */
  let sources: string | null = null;
  try {
    if (attempt > 1) {
      // Listeners drop what they were shown; a reload shows the new text only.
      await log.append({
        type: "message.restarted",
        messageId,
        reason: "The worker generating this answer stopped; another one answers again",
      });
      await deps.chats.saveProgress(messageId, "");
      await deps.chats.saveSources(messageId, null).catch(() => undefined);
    }
    const principal = context.principal;
    if (!principal) throw new AppError("auth.forbidden", "The sender's account no longer exists");
    if (context.cancelled) controller.abort();
    if (controller.signal.aborted) throw new CancelledError();
    // The sender's IP: the AI call's audit entry names it, and a widget's per-IP budgets count by it.
    const callContext = {
      requestId: data.requestId,
      ip: data.ip ?? null,
      userAgent: "parley-worker",
      principal,
    };
    // A persona answers in the conversation's team (its own team is checked: it must see it there).
    const persona = data.model.startsWith(PERSONA_MODEL_PREFIX)
      ? await deps.personas.resolve(data.model, callContext)
      : null;
    const model = persona?.model ?? data.model;
    const history = await toPrompt(deps, context.history, model);
    const run = await deps.pipeline.streamChat(
      {
        surface: data.channel?.kind ?? "chat",
        teamId: data.teamId ?? null,
        assistantId: data.assistantId ?? null,
        projectId: data.projectId ?? null,
        model,
        ...(persona ? { persona: { ...persona.persona, messageId } } : {}),
        // The conversation's own instructions come first; the stages add theirs around them.
        prompt: [
          ...(data.systemPrompt ? [{ role: "system" as const, content: data.systemPrompt }] : []),
          ...history,
        ],
        options: {
          ...(data.temperature != null ? { temperature: data.temperature } : {}),
          ...(data.maxOutputTokens != null ? { maxOutputTokens: data.maxOutputTokens } : {}),
        },
        signal: controller.signal,
        // A rule holds the answer for approval: the conversation shows that it waits.
        onHold: (hold) => {
          append({ type: "message.waiting", messageId, ...hold }).catch((err: unknown) => {
            deps.logger.warn({ err, messageId }, "could not tell that an answer waits for approval");
          });
        },
      },
      callContext,
    );
    // Sent together with the first delta (see AnswerLog): the start, then the sources, if any.
    const grounded = answerSources(run.sources);
    if (grounded.length) {
      sources = toJson(grounded);
      log.start(
        { type: "message.started", messageId, model: run.model.id },
        { type: "message.sources", messageId, sources: grounded },
      );
      // Kept with the answer at once (a reload mid-answer shows them), without delaying it.
      deps.chats.saveSources(messageId, sources).catch((err: unknown) => {
        deps.logger.warn({ err, messageId }, "could not store an answer's sources");
      });
    } else {
      log.start({ type: "message.started", messageId, model: run.model.id });
    }
    let ttftMs: number | null = null;
    let finish: { part: Extract<ChatPart, { type: "finish" }>; at: number } | null = null;
    for await (const part of run.parts) {
      if (part.type === "text") {
        if (ttftMs === null) {
          ttftMs = deps.clock.now() - started;
          deps.metrics?.ttft.observe(ttftMs / 1000);
        }
        text += part.delta;
        await append({ type: "message.delta", messageId, index: index++, text: part.delta });
        // Only text the log holds: the stored progress stays a prefix of what clients saw.
        progress.offer(text);
      } else if (part.type === "finish") {
        finish = { part, at: deps.clock.now() };
      }
    }
    // Stored once the pipeline has settled the call (usage, budgets, the persona's record): a
    // reader who sees the answer completed (and rates it) finds all of it recorded.
    if (finish) {
      const { part, at } = finish;
      const won = await deps.chats.finalize(messageId, {
        content: text,
        status: "completed",
        model: run.model.id,
        sources,
        usage: toJson(part.usage),
        finish_reason: part.finishReason,
        ttft_ms: ttftMs,
        duration_ms: at - started,
        completed_at: at,
      });
      if (won) {
        await append({
          type: "message.completed",
          messageId,
          usage: part.usage,
          finishReason: part.finishReason,
        });
        const title = await maybeName(deps, data, context.history, text, callContext);
        if (title) await append({ type: "conversation.titled", messageId, title });
      }
    }
    // A cancelled pipeline ends its parts quietly: the signal tells why there was no finish.
    if (isAborted(controller)) throw new CancelledError();
  } catch (error) {
    if (controller.signal.aborted || error instanceof CancelledError) {
      const won = await deps.chats.finalize(messageId, {
        content: text,
        status: "cancelled",
        ...(sources === null ? {} : { sources }),
        duration_ms: deps.clock.now() - started,
        completed_at: deps.clock.now(),
      });
      if (won) await append({ type: "message.cancelled", messageId });
    } else {
      const appError =
        error instanceof AppError
          ? error
          : new AppError("upstream.error", "Generation failed", { cause: error });
      if (!(error instanceof AppError)) deps.logger.error({ err: error, messageId }, "generation failed");
      await log.flush().catch(() => undefined);
      await finalizeFailed(deps, message, appError.code, appError.message, text);
    }
  } finally {
    clearInterval(renew);
    await release();
  }
}

class CancelledError extends Error {}

/**
 * After a conversation's first answer, has the title model name it, unless there is none or the
 * conversation was given a title of its own (not the one its first message gave it).
 */
async function maybeName(
  deps: GenerationDeps,
  data: GenerationJob,
  history: MessageRow[],
  answer: string,
  ctx: RequestContext,
): Promise<string | null> {
  const question = history[0];
  if (!deps.titleModel || history.length !== 1 || question?.role !== "user") return null;
  const conversation = await deps.chats.findConversation(data.conversationId);
  if (conversation?.title !== titleFrom(question.content)) return null;
  return nameConversation(
    deps,
    {
      conversationId: data.conversationId,
      current: conversation.title,
      question: question.content,
      answer,
      model: deps.titleModel,
      teamId: data.teamId ?? null,
      projectId: data.projectId ?? null,
      surface: data.channel?.kind ?? "chat",
    },
    ctx,
  );
}

function isAborted(controller: AbortController): boolean {
  return controller.signal.aborted;
}

/** The conversation so far as the model gets it, user messages with their files. */
async function toPrompt(
  deps: GenerationDeps,
  history: MessageRow[],
  model: string,
): Promise<LanguageModelV4Prompt> {
  const asked = history.filter((m) => m.role === "user").map((m) => m.id);
  const files = asked.length
    ? await deps.attachments.promptParts(asked, await deps.readsImages(model))
    : new Map<string, never[]>();
  return history.map((m) =>
    m.role === "assistant"
      ? { role: "assistant" as const, content: [{ type: "text" as const, text: m.content }] }
      : m.role === "system"
        ? { role: "system" as const, content: m.content }
        : {
            role: "user" as const,
            content: [{ type: "text" as const, text: m.content }, ...(files.get(m.id) ?? [])],
          },
  );
}
