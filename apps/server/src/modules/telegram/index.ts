/** The telegram module: assistants answering in Telegram through bots (ADR 0034). */
import { telegramTopics } from "@parley/contracts";
import { defineModule } from "../../kernel/module.ts";
import type { AssistantsExports } from "../assistants/index.ts";
import type { AuditExports } from "../audit/index.ts";
import type { ChatExports } from "../chat/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import * as telegramMigration from "./migrations/2026-12-10T0930-telegram.ts";
import * as telegramAnswersMigration from "./migrations/2026-12-11T0900-telegram-answers.ts";
import * as telegramRecoveryMigration from "./migrations/2026-12-12T0900-telegram-update-recovery.ts";
import { TelegramAnswers } from "./telegram-answers.ts";
import { TelegramIntake } from "./telegram-intake.ts";
import { TelegramPoller } from "./telegram-poller.ts";
import { telegramErrors } from "./telegram.errors.ts";
import { TelegramRepository } from "./telegram.repository.ts";
import { registerTelegramRoutes } from "./telegram.routes.ts";
import { TelegramService } from "./telegram.service.ts";

/** What the telegram module offers the modules built after it. */
export interface TelegramExports {
  bots: TelegramService;
}

/**
 * Telegram bots per team, each answering with an assistant: connect with `getMe`, updates by
 * webhook (secret-token header) or long polling (one pod per bot, by lease), accepted once per
 * `update_id`, answered by workers through chat's conversations, streamed into the chat.
 */
export const telegramModule = defineModule({
  name: "telegram",
  errors: telegramErrors,
  topics: telegramTopics,
  needs: ["audit", "identity", "assistants", "chat"],
  permissions: ["telegram:read", "telegram:manage"],
  tables: ["telegram_bots", "telegram_updates", "telegram_chats", "telegram_answers"],
  migrations: {
    "2026-12-10T0930-telegram": telegramMigration,
    "2026-12-11T0900-telegram-answers": telegramAnswersMigration,
    "2026-12-12T0900-telegram-update-recovery": telegramRecoveryMigration,
  },
  build: async (
    ctx,
    deps: {
      audit: AuditExports;
      identity: IdentityExports;
      assistants: AssistantsExports;
      chat: ChatExports;
    },
  ) => {
    const clock = ctx.platform.clock;
    const encryptionKey = ctx.platform.secrets.key("encryption");
    const repository = new TelegramRepository(ctx.platform.database);
    const apiRoot = ctx.config.telegramApiUrl;
    let poller: TelegramPoller | null = null;
    const bots = new TelegramService({
      bots: repository,
      assistants: deps.assistants.assistants,
      audit: deps.audit.audit,
      clock,
      encryptionKey,
      apiRoot,
      publicUrl: () => ctx.config.publicUrl ?? ctx.publicUrl(),
      onPollingChanged: () => poller?.rescan(),
    });
    const intake = new TelegramIntake({ bots: repository, bus: ctx.bus, clock, encryptionKey });
    // Embedded: the update queue died with the previous process (chat has failed the answers it
    // left streaming by now, so a queued update that had started one tells its chat so).
    if (ctx.platform.soleDatabaseUser) {
      const requeued = await intake.requeueUnfinished();
      if (requeued > 0)
        ctx.logger.warn({ requeued }, "queued again Telegram updates a previous process left unanswered");
    }
    const answers = new TelegramAnswers({
      bots: repository,
      service: bots,
      chat: deps.chat,
      auth: deps.identity.auth,
      assistants: deps.assistants.assistants,
      clock,
      logger: ctx.logger,
      apiRoot,
      limiter: ctx.platform.rateLimiter,
      chatMessagesPerMinute: ctx.config.telegramChatMessagesPerMinute,
    });
    return {
      exports: { bots } satisfies TelegramExports,
      // A bot belongs to its team (team admins may set its budgets).
      owners: {
        bot: async (id) => {
          const row = await repository.find(id);
          return row ? { teamId: row.team_id } : null;
        },
      },
      routes: (app) => {
        registerTelegramRoutes(app, { bots, intake });
      },
      workers: [
        {
          name: "telegram answers",
          roles: ["worker", "all"],
          start: async () => {
            const consumer = await ctx.bus.consume(
              telegramTopics.update,
              (job) => answers.handle(job.payload, () => job.extend()),
              // An answer streams for a while; it keeps its job alive (extend) as it goes.
              { concurrency: 16, ackWaitMs: 30_000, maxAttempts: 3 },
            );
            return () => consumer.close();
          },
        },
        {
          name: "telegram polling",
          roles: ["worker", "all"],
          start: () => {
            poller = new TelegramPoller({
              bots: repository,
              service: bots,
              intake,
              cache: ctx.platform.store.cache,
              logger: ctx.logger,
              podId: ctx.podId,
              apiRoot,
              pollTimeoutS: ctx.config.telegramPollTimeoutS,
              now: () => clock.now(),
            });
            return Promise.resolve(poller.start());
          },
        },
      ],
    };
  },
});

export type { TelegramService } from "./telegram.service.ts";
export type { TelegramTables } from "./telegram.tables.ts";
