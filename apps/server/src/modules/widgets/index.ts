/** The widgets module: an assistant published on websites, and the public API its visitors use (ADR 0035). */
import { fileURLToPath } from "node:url";
import { widgetsTopics } from "@parley/contracts";
import { defineModule } from "../../kernel/module.ts";
import type { AssistantsExports } from "../assistants/index.ts";
import type { AuditExports } from "../audit/index.ts";
import type { ChatExports } from "../chat/index.ts";
import type { IdentityExports } from "../identity/index.ts";
import { visitorContext } from "./channel-context.ts";
import * as widgetsMigration from "./migrations/2026-12-10T0100-widgets.ts";
import { VisitorService } from "./visitor.service.ts";
import { registerVisitorRoutes } from "./visitor.routes.ts";
import { WidgetCrypto } from "./visitor-tokens.ts";
import { registerWidgetAssetRoutes } from "./widget-assets.routes.ts";
import { VisitorStreams } from "./widget-sse.ts";
import { widgetsErrors } from "./widgets.errors.ts";
import { WidgetRepository } from "./widgets.repository.ts";
import { registerWidgetRoutes } from "./widgets.routes.ts";
import { WidgetService } from "./widgets.service.ts";

/** What the widgets module offers the modules built after it. */
export interface WidgetsExports {
  widgets: WidgetService;
  visitors: VisitorService;
}

/** The built widget files (`npm run build --workspace @parley/widget`). */
const WIDGET_ROOT = fileURLToPath(new URL("../../../../widget/dist", import.meta.url));

/**
 * Widgets: team-scoped settings (origins, greeting, colours, position, public or signed mode,
 * message limits, key and secret rotation), the public visitor API with per-widget CORS, whose
 * conversations are chat's with the widget channel, and the loader, chat bundle and iframe page.
 */
export const widgetsModule = defineModule({
  name: "widgets",
  errors: widgetsErrors,
  topics: widgetsTopics,
  needs: ["audit", "identity", "assistants", "chat"],
  permissions: ["widgets:read", "widgets:manage"],
  tables: ["widgets"],
  migrations: { "2026-12-10T0100-widgets": widgetsMigration },
  build: (
    ctx,
    deps: {
      audit: AuditExports;
      identity: IdentityExports;
      assistants: AssistantsExports;
      chat: ChatExports;
    },
  ) => {
    const rows = new WidgetRepository(ctx.platform.database);
    const crypto = new WidgetCrypto(ctx.platform.secrets.key("widget"), ctx.platform.clock);
    const streams = new VisitorStreams();
    const recheck = (widgetId: string) =>
      streams.recheck(widgetId).catch((err: unknown) => {
        ctx.logger.warn({ err, widgetId }, "could not check a widget's visitor streams again");
      });
    const widgets = new WidgetService({
      widgets: rows,
      assistants: deps.assistants.assistants,
      crypto,
      audit: deps.audit.audit,
      clock: ctx.platform.clock,
      conversations: deps.chat.chat,
      changed: async (widgetId) => {
        void recheck(widgetId);
        try {
          await ctx.bus.publish(widgetsTopics.changed, { widgetId, pod: ctx.podId });
        } catch (error) {
          // Saved: other pods' streams end at their next heartbeat check instead.
          ctx.logger.warn({ err: error, widgetId }, "could not announce a widget change");
        }
      },
    });
    const auth = deps.identity.auth;
    const visitors = new VisitorService({
      widgets: rows,
      crypto,
      limiter: ctx.platform.rateLimiter,
      chat: deps.chat.chat,
      events: deps.chat.events,
      contextFor: (visitor, request) => visitorContext(auth, visitor, request),
      starterPrompts: async (widget) => {
        const publisher = widget.publisher_id
          ? await auth.principalOfUser(widget.publisher_id, { activeOnly: true })
          : null;
        if (!publisher) return [];
        const ctxOf = { requestId: null, ip: null, userAgent: null, principal: publisher };
        const assistant = await deps.assistants.assistants.get(widget.assistant_id, ctxOf).catch(() => null);
        return assistant?.starterPrompts ?? [];
      },
    });
    return {
      exports: { widgets, visitors } satisfies WidgetsExports,
      // A widget belongs to its team (team admins may set its budgets).
      owners: {
        widget: async (id) => {
          const row = await rows.find(id);
          return row ? { teamId: row.team_id } : null;
        },
      },
      routes: async (app) => {
        registerWidgetRoutes(app, { widgets });
        await registerVisitorRoutes(app, { visitors, streams, publicUrl: () => ctx.publicUrl() });
        registerWidgetAssetRoutes(app, { root: WIDGET_ROOT, widgets: rows });
      },
      workers: [
        {
          name: "widget visitor streams",
          // Only processes that serve the API hold visitor event streams.
          roles: ["api", "all"],
          start: async () => {
            const subscription = await ctx.bus.subscribe(widgetsTopics.changed, ({ widgetId, pod }) => {
              if (pod !== ctx.podId) void recheck(widgetId);
            });
            return () => subscription.close();
          },
        },
      ],
      drain: () => {
        streams.drain();
      },
    };
  },
});

export type { WidgetsTables } from "./widgets.tables.ts";
