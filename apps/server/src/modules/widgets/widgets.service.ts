import type {
  CreateWidgetRequest,
  DeleteWidgetQuery,
  WidgetHasConversationsDetails,
  UpdateWidgetRequest,
  Widget,
  WidgetListQuery,
  WidgetSecret,
} from "@parley/contracts";
import { DEFAULT_WIDGET_LIMITS } from "@parley/contracts";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  assertMayPublishChannel,
  can,
  requirePrincipal,
  seesTeam,
  teamsWhere,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import type { AssistantService } from "../assistants/index.ts";
import type { ChatService } from "../chat/index.ts";
import { WidgetCrypto } from "./visitor-tokens.ts";
import { toWidget } from "./widget-view.ts";
import type { Insertable } from "kysely";
import type { WidgetRepository, WidgetRow } from "./widgets.repository.ts";
import type { WidgetsTable } from "./widgets.tables.ts";

/** Dependencies of the widget service. */
export interface WidgetServiceDeps {
  widgets: WidgetRepository;
  assistants: Pick<AssistantService, "visible">;
  crypto: WidgetCrypto;
  audit: AuditSink;
  clock: Clock;
  /**
   * Announces that a widget changed or was deleted (once saved): every pod checks its open
   * visitor event streams of the widget again. Never throws (a failed announcement is logged).
   */
  changed(widgetId: string): Promise<void>;
  /** The conversations of the widget's visitors (chat's, on the widget channel). */
  conversations: Pick<ChatService, "channelConversationCount" | "deleteChannelConversations">;
}

/**
 * Widgets as their team manages them: publish a team assistant, change its settings, rotate its
 * key (old embeds and visitor tokens stop working) or its secret. A team's members with
 * `widgets:read` see its widgets; those with `widgets:manage` change them. Every change is audited.
 */
export class WidgetService {
  readonly #d: WidgetServiceDeps;
  constructor(deps: WidgetServiceDeps) {
    this.#d = deps;
  }

  /**
   * The widgets of the caller's teams (or of `query.teamId`), by name.
   * @example
   * await widgets.list({ teamId }, ctx)
   */
  async list(query: WidgetListQuery, ctx: RequestContext): Promise<{ items: Widget[] }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId) assertMayIn(principal, "widgets:read", query.teamId, "Listing this team's widgets");
    const keyTeam = principal.apiKey?.teamId ?? null;
    const teams = teamsWhere(principal, "widgets:read").filter(
      (t) => (keyTeam === null || t === keyTeam) && (!query.teamId || t === query.teamId),
    );
    const rows = await this.#d.widgets.list(teams, query.assistantId);
    return { items: rows.map(toWidget) };
  }

  async get(id: string, ctx: RequestContext): Promise<Widget> {
    return toWidget(await this.#visible(id, ctx, "widgets:read"));
  }

  /**
   * Publishes assistant `input.assistantId` of team `input.teamId` as a widget. The caller becomes
   * its publisher: visitors are answered with the caller's access, narrowed to the team.
   * @throws AppError `team.not_found`, `auth.forbidden`, `assistant.not_found`, `widget.assistant_not_in_team`.
   */
  async create(input: CreateWidgetRequest, ctx: RequestContext): Promise<Widget & { secret: string }> {
    const principal = requirePrincipal(ctx);
    assertMayIn(principal, "widgets:manage", input.teamId, "Publishing a widget here");
    assertMayPublishChannel(principal, input.teamId, "Publishing a widget");
    const assistant = await this.#d.assistants.visible(input.assistantId, ctx);
    if (assistant.team_id !== input.teamId)
      throw new AppError(
        "widget.assistant_not_in_team",
        "A widget publishes one of its team's assistants (a team-visible one)",
      );
    const now = this.#d.clock.now();
    const row = {
      id: newId(),
      team_id: input.teamId,
      assistant_id: input.assistantId,
      publisher_id: principal.userId,
      public_key: WidgetCrypto.newPublicKey(),
      key_version: 1,
      secret_version: 1,
      name: input.name,
      allowed_origins: toJson(input.allowedOrigins ?? []),
      greeting: input.greeting ?? "Hi! How can I help?",
      primary_color: input.primaryColor ?? "#4f46e5",
      position: input.position ?? "bottom-right",
      mode: input.mode ?? "public",
      limits: toJson(input.limits ?? DEFAULT_WIDGET_LIMITS),
      enabled: input.enabled === false ? 0 : 1,
      created_at: now,
      updated_at: now,
    } satisfies Insertable<WidgetsTable>;
    try {
      await this.#d.widgets.insert(row);
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw new AppError("assistant.not_found", `No assistant ${input.assistantId}`, { cause: error });
      throw error;
    }
    await this.#audit(ctx, "widget.created", row, {
      name: row.name,
      assistantId: row.assistant_id,
      mode: row.mode,
      allowedOrigins: input.allowedOrigins ?? [],
    });
    return { ...toWidget(row), secret: this.#d.crypto.secretOf(row.id, row.secret_version) };
  }

  async update(id: string, patch: UpdateWidgetRequest, ctx: RequestContext): Promise<Widget> {
    const row = await this.#visible(id, ctx, "widgets:manage");
    const changes = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.allowedOrigins !== undefined ? { allowed_origins: toJson(patch.allowedOrigins) } : {}),
      ...(patch.greeting !== undefined ? { greeting: patch.greeting } : {}),
      ...(patch.primaryColor !== undefined ? { primary_color: patch.primaryColor } : {}),
      ...(patch.position !== undefined ? { position: patch.position } : {}),
      ...(patch.mode !== undefined ? { mode: patch.mode } : {}),
      ...(patch.limits !== undefined ? { limits: toJson(patch.limits) } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
      updated_at: this.#d.clock.now(),
    };
    await this.#d.widgets.update(id, changes);
    const updated = { ...row, ...changes };
    await this.#d.changed(id);
    await this.#audit(ctx, "widget.updated", updated, {
      changed: Object.keys(patch).sort(),
      ...(patch.allowedOrigins !== undefined ? { allowedOrigins: patch.allowedOrigins } : {}),
      ...(patch.mode !== undefined ? { mode: patch.mode } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    });
    return toWidget(updated);
  }

  /**
   * Unpublishes a widget and deletes its visitors' conversations with it (no one else can read
   * them: kept, they would be strangers' words no one could reach or remove). A widget that has
   * some is deleted only when `confirm.deleteConversations` is their current number. Visitors
   * who start one in between the count and the deletion lose it too; the audit entry counts
   * every conversation deleted.
   * @throws AppError `widget.has_conversations` (409, `details.conversations`), `widget.not_found`.
   */
  async delete(id: string, confirm: DeleteWidgetQuery, ctx: RequestContext): Promise<void> {
    const row = await this.#visible(id, ctx, "widgets:manage");
    const channel = { kind: "widget" as const, id };
    const conversations = await this.#d.conversations.channelConversationCount(channel);
    if (conversations > 0 && confirm.deleteConversations !== conversations)
      throw new AppError(
        "widget.has_conversations",
        `This widget's visitors hold ${conversations} conversation(s), deleted with it: confirm with deleteConversations=${conversations}`,
        { details: { conversations } satisfies WidgetHasConversationsDetails },
      );
    await this.#d.widgets.delete(id);
    await this.#d.changed(id);
    const deleted = await this.#d.conversations.deleteChannelConversations(channel);
    await this.#audit(ctx, "widget.deleted", row, { name: row.name, conversationsDeleted: deleted });
  }

  /**
   * A new public key: embeds with the old key find nothing, and visitor tokens issued before stop
   * working (they carry the key version). Concurrent rotations make one new key each, in turn.
   */
  async rotateKey(id: string, ctx: RequestContext): Promise<Widget> {
    for (;;) {
      const row = await this.#visible(id, ctx, "widgets:manage");
      const changes = { public_key: WidgetCrypto.newPublicKey(), updated_at: this.#d.clock.now() };
      if (!(await this.#d.widgets.bump(id, "key_version", row.key_version, changes))) continue;
      const rotated = { ...row, ...changes, key_version: row.key_version + 1 };
      await this.#d.changed(id);
      await this.#audit(ctx, "widget.key_rotated", rotated, { keyVersion: rotated.key_version });
      return toWidget(rotated);
    }
  }

  /** A new secret: signatures made with the old one are refused from now on. */
  async rotateSecret(id: string, ctx: RequestContext): Promise<WidgetSecret> {
    for (;;) {
      const row = await this.#visible(id, ctx, "widgets:manage");
      const changes = { updated_at: this.#d.clock.now() };
      if (!(await this.#d.widgets.bump(id, "secret_version", row.secret_version, changes))) continue;
      const version = row.secret_version + 1;
      await this.#d.changed(id);
      await this.#audit(ctx, "widget.secret_rotated", row, { secretVersion: version });
      return { widgetId: id, secret: this.#d.crypto.secretOf(id, version) };
    }
  }

  /** The current secret, for the host site's server (its reading is audited). */
  async secret(id: string, ctx: RequestContext): Promise<WidgetSecret> {
    const row = await this.#visible(id, ctx, "widgets:manage");
    await this.#audit(ctx, "widget.secret_read", row, { secretVersion: row.secret_version });
    return { widgetId: id, secret: this.#d.crypto.secretOf(id, row.secret_version) };
  }

  /**
   * A widget of a team the caller is a member of (else 404, as for another team's), on which the
   * caller holds `permission` (else 403).
   */
  async #visible(id: string, ctx: RequestContext, permission: "widgets:read" | "widgets:manage") {
    const principal = requirePrincipal(ctx);
    const row = await this.#d.widgets.find(id);
    if (!row || !principal.teams.has(row.team_id) || !seesTeam(principal, row.team_id))
      throw new AppError("widget.not_found", `No widget ${id}`);
    if (!can(principal, permission, row.team_id))
      throw new AppError("auth.forbidden", `This widget needs the ${permission} permission`, {
        details: { permission },
      });
    if (permission === "widgets:manage") assertMayPublishChannel(principal, row.team_id, "Changing a widget");
    return row;
  }

  async #audit(ctx: RequestContext, action: string, row: WidgetRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "widget", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}
