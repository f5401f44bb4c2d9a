/**
 * The chat module: conversations, the 202 send, the generation worker, the resumable event
 * stream, cancel, and the recovery of answers a dead process left streaming.
 */
import { defineModule } from "../../kernel/module.ts";
import { chatErrors } from "./chat.errors.ts";
import { chatTopics } from "@parley/contracts";
import type { AiExports } from "../ai/index.ts";
import type { AssistantsExports } from "../assistants/index.ts";
import type { AuditExports } from "../audit/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import type { ProjectsExports } from "../projects/index.ts";
import type { PromptsExports } from "../prompts/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import { EventStreams } from "./chat-events.ts";
import { ConversationEvents } from "./conversation-events.ts";
import { createChatMetrics } from "./chat.metrics.ts";
import { ChatRepository } from "./chat.repository.ts";
import { registerChatRoutes } from "./chat.routes.ts";
import { ChatService } from "./chat.service.ts";
import { startGenerationWorker } from "./generation.jobs.ts";
import { AttachmentsRepository } from "./attachments.repository.ts";
import { AttachmentService } from "./attachments.service.ts";
import { registerAttachmentRoutes } from "./attachments.routes.ts";
import { failAnswersLeftStreaming, startLostWorkerSweep } from "./lost-answers.ts";
import * as chatMigration from "./migrations/2026-11-22T1500-chat.ts";
import * as messageReplacementMigration from "./migrations/2026-11-30T1000-message-replacement.ts";
import * as conversationAssistantMigration from "./migrations/2026-12-06T0220-conversation-assistant.ts";
import * as messageSourcesMigration from "./migrations/2026-12-06T0810-message-sources.ts";
import * as conversationProjectMigration from "./migrations/2026-12-06T1010-conversation-project.ts";
import * as messageFeedbackMigration from "./migrations/2026-12-07T0210-message-feedback.ts";
import * as conversationSettingsMigration from "./migrations/2026-12-08T0200-conversation-settings.ts";
import * as attachmentsMigration from "./migrations/2026-12-09T1100-chat-attachments.ts";
import * as messageBranchesMigration from "./migrations/2026-12-09T0100-message-branches.ts";
import { MessageBranchesRepository } from "./message-branches.repository.ts";
import { BranchService } from "./message-branches.service.ts";
import * as messageSearchMigration from "./migrations/2026-12-09T1400-message-search.ts";
import * as conversationChannelMigration from "./migrations/2026-12-10T0900-conversation-channel.ts";
import * as idempotencyKeysMigration from "./migrations/2026-12-12T1000-idempotency-keys.ts";
import { MessageFeedbackRepository } from "./message-feedback.repository.ts";
import { FeedbackService } from "./message-feedback.service.ts";
import { MessageSearchRepository } from "./message-search.repository.ts";
import { registerMessageSearchRoutes } from "./message-search.routes.ts";
import { MessageSearchService } from "./message-search.service.ts";

/** What the chat module offers the modules built after it. */
export interface ChatExports {
  chat: ChatService;
  /** A conversation's events as an async iterable, from a position (what the SSE route relays). */
  events: ConversationEvents;
}

/** Chat that streams across stateless pods and survives reloads and crashes. */
/** How long an uploaded file waits to be sent before it is removed, and how often that is looked at. */
const UNSENT_ATTACHMENT_TTL_MS = 24 * 60 * 60 * 1000;
const UNSENT_SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const ORPHAN_BLOB_AGE_MS = 60 * 60 * 1000;

export const chatModule = defineModule({
  name: "chat",
  errors: chatErrors,
  topics: chatTopics,
  needs: ["audit", "identity", "ai", "providers", "assistants", "projects", "prompts"],
  permissions: ["conversations:read", "conversations:write"],
  // Messages' full-text index: on SQLite messages_fts and the tables FTS5 keeps for it; on
  // PostgreSQL message_search, its own too (the tables check runs on SQLite only).
  tables: [
    "conversations",
    "messages",
    "message_feedback",
    "chat_attachments",
    "messages_fts",
    "messages_fts_config",
    "messages_fts_data",
    "messages_fts_docsize",
    "messages_fts_idx",
  ],
  migrations: {
    "2026-11-22T1500-chat": chatMigration,
    "2026-11-30T1000-message-replacement": messageReplacementMigration,
    "2026-12-06T0220-conversation-assistant": conversationAssistantMigration,
    "2026-12-06T0810-message-sources": messageSourcesMigration,
    "2026-12-06T1010-conversation-project": conversationProjectMigration,
    "2026-12-07T0210-message-feedback": messageFeedbackMigration,
    "2026-12-08T0200-conversation-settings": conversationSettingsMigration,
    "2026-12-09T1100-chat-attachments": attachmentsMigration,
    "2026-12-09T0100-message-branches": messageBranchesMigration,
    "2026-12-09T1400-message-search": messageSearchMigration,
    "2026-12-10T0900-conversation-channel": conversationChannelMigration,
    "2026-12-12T1000-idempotency-keys": idempotencyKeysMigration,
  },
  build: async (
    ctx,
    deps: {
      audit: AuditExports;
      identity: IdentityExports;
      ai: AiExports;
      providers: ProvidersExports;
      assistants: AssistantsExports;
      projects: ProjectsExports;
      prompts: PromptsExports;
    },
  ) => {
    const { platform, logger } = ctx;
    const chats = new ChatRepository(platform.database);
    // Before serving: answers a crashed predecessor left streaming would block their
    // conversations forever (409 on every send) and no lease or log of it is left to notice.
    if (platform.soleDatabaseUser) {
      await failAnswersLeftStreaming({ chats, bus: ctx.bus, clock: platform.clock, logger });
    }
    const streams = new EventStreams();
    const metrics = createChatMetrics(ctx.metrics);
    const feedbackRows = new MessageFeedbackRepository(platform.database);
    const attachments = new AttachmentService({
      repository: new AttachmentsRepository(platform.database),
      blobs: platform.blobs,
      clock: platform.clock,
    });
    /** Whether a model reads images; an unknown one does not. */
    const readsImages = (model: string) =>
      deps.providers.catalog.resolve(model).then(
        (m) => m.imageInput,
        () => false,
      );
    const branchRows = new MessageBranchesRepository(platform.database);
    const chat = new ChatService({
      chats,
      feedback: feedbackRows,
      branches: branchRows,
      bus: ctx.bus,
      cache: platform.store.cache,
      audit: deps.audit.audit,
      assistants: deps.assistants.assistants,
      projects: deps.projects.projects,
      clock: platform.clock,
      defaultModel: async () => (await deps.providers.catalog.list()).find((m) => m.enabled)?.id ?? null,
      attachments,
      readsImages,
    });
    const feedback = new FeedbackService({
      chat,
      chats,
      feedback: feedbackRows,
      personas: deps.prompts.personas,
      audit: deps.audit.audit,
      clock: platform.clock,
    });
    const branches = new BranchService({
      chat,
      branches: branchRows,
      bus: ctx.bus,
      audit: deps.audit.audit,
      clock: platform.clock,
    });
    const search = new MessageSearchService({
      search: new MessageSearchRepository(platform.database),
      projects: deps.projects.projects,
    });
    const events = new ConversationEvents({
      chat,
      bus: ctx.bus,
      chats,
      registry: platform.store.registry,
      metrics,
      podId: ctx.podId,
      maxStreamsPerUser: ctx.config.maxStreamsPerUser,
    });
    return {
      exports: { chat, events } satisfies ChatExports,
      routes: async (app) => {
        registerChatRoutes(app, {
          chat,
          feedback,
          branches,
          events,
          streams,
          metrics,
          registry: platform.store.registry,
        });
        registerMessageSearchRoutes(app, { search });
        await registerAttachmentRoutes(app, { attachments, chat });
      },
      // SSE clients get a retry hint and reconnect to another pod; answers keep generating.
      drain: () => {
        streams.drain();
      },
      workers: [
        {
          name: "chat generation",
          roles: ["worker", "all"],
          start: () =>
            startGenerationWorker({
              bus: ctx.bus,
              chats,
              auth: deps.identity.auth,
              pipeline: deps.ai.pipeline,
              personas: deps.prompts.personas,
              cache: platform.store.cache,
              clock: platform.clock,
              logger,
              workerId: ctx.podId,
              concurrency: 32,
              metrics,
              titleModel: ctx.config.titleModel ?? null,
              attachments,
              readsImages,
            }),
        },
        {
          name: "lost-worker sweep",
          roles: ["api", "worker", "all"],
          start: () => {
            const stop = startLostWorkerSweep({
              chats,
              bus: ctx.bus,
              clock: platform.clock,
              cache: platform.store.cache,
              logger,
            });
            return Promise.resolve(stop);
          },
        },
        {
          name: "unsent attachments sweep",
          roles: ["worker", "all"],
          start: () => {
            // Files uploaded and never sent (a closed tab, a removed chip) go after a day; bytes
            // no row refers to (a crash between the two writes, rows gone by a cascade) after an
            // hour, well behind any upload still in progress.
            const sweep = () => {
              const now = platform.clock.now();
              attachments
                .sweepUnsent(now - UNSENT_ATTACHMENT_TTL_MS)
                .then(() => attachments.collectGarbage(now - ORPHAN_BLOB_AGE_MS))
                .then((removed) => {
                  if (removed > 0) logger.info({ removed }, "removed attachment bytes no file refers to");
                })
                .catch((err: unknown) => {
                  logger.warn({ err }, "could not remove unsent attachments");
                });
            };
            const timer = setInterval(sweep, UNSENT_SWEEP_INTERVAL_MS);
            timer.unref();
            return Promise.resolve(() => {
              clearInterval(timer);
              return Promise.resolve();
            });
          },
        },
      ],
    };
  },
});

export type { ChatService, SendOptions } from "./chat.service.ts";
export type { ConversationEvents, ConversationEventStream } from "./conversation-events.ts";
export type { ChatTables } from "./chat.tables.ts";
