import {
  MoveLabelRequest as MoveSchema,
  type LabelChangeRequest,
  type LabelChangeStatus,
  type LabelTarget,
  type MoveLabelRequest,
  type MoveLabelResult,
} from "@parley/contracts";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import { assertMayIn, requirePrincipal, teamsWhere, boundTeam } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import type { PromptChanges } from "./label-cache.ts";
import type { LabelRequestRow, PromptActivityRepository } from "./prompt-activity.repository.ts";
import type { PromptAccess } from "./prompt-access.ts";
import { splitOf, toLabel, toRequest } from "./prompt-view.ts";
import type { LabelRow, PromptRepository, PromptRow } from "./prompts.repository.ts";
import type { PromptLabelRequestsTable, PromptLabelsTable } from "./prompts.tables.ts";
import type { Insertable } from "kysely";

/** Dependencies of the label service. */
export interface LabelServiceDeps {
  prompts: PromptRepository;
  activity: PromptActivityRepository;
  access: PromptAccess;
  changes: PromptChanges;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Labels (`production`, `staging`, your own) pointing at one version or splitting traffic between
 * two. Changing a protected label (moving it, unprotecting it) makes a pending request that
 * another person with `prompts:approve` in the team approves or denies with a reason: never the
 * requester (whatever credential either uses), and never through an API key.
 */
export class LabelService {
  readonly #d: LabelServiceDeps;
  constructor(deps: LabelServiceDeps) {
    this.#d = deps;
  }

  /**
   * Moves, splits, protects or unprotects a label; creates it if new (it then needs a version).
   * @returns `applied: false` with the pending request when the label is protected.
   * @throws AppError `prompt.not_found`, `auth.forbidden`, `prompt.version_not_found`, `validation.failed`.
   */
  async move(
    id: string,
    label: string,
    input: MoveLabelRequest,
    ctx: RequestContext,
  ): Promise<{ applied: boolean; result: MoveLabelResult }> {
    const body = MoveSchema.parse(input);
    const row = await this.#d.access.holding(id, "prompts:manage", ctx);
    const split: LabelTarget[] | null =
      body.version !== undefined ? [{ version: body.version, weight: 100 }] : (body.versions ?? null);
    for (const target of split ?? []) await this.#d.access.version(row, target.version);
    const existing = await this.#d.prompts.findLabel(row.id, label);
    if (!existing && !split)
      throw new AppError("validation.failed", `The new label ${label} needs a version`, {
        details: { issues: [{ location: "body", path: "version", message: "required for a new label" }] },
      });
    if (existing && Boolean(existing.protected)) {
      const request = await this.#request(row, label, split, body.protected ?? null, body.reason ?? "", ctx);
      return { applied: false, result: { label: toLabel(existing), request } };
    }
    const saved = await this.#apply(
      row,
      label,
      existing,
      split,
      body.protected ?? null,
      requirePrincipal(ctx).userId,
      true,
    );
    if (!saved) {
      // Protected between the read and the write: the move becomes a request, as it would have.
      const now = await this.#d.prompts.findLabel(row.id, label);
      if (!now) throw new AppError("prompt.label_not_found", `Prompt ${id} has no label ${label}`);
      const request = await this.#request(row, label, split, body.protected ?? null, body.reason ?? "", ctx);
      return { applied: false, result: { label: toLabel(now), request } };
    }
    await this.#audit(ctx, "prompt.label_moved", row, {
      label,
      versions: splitOf(saved.split),
      protected: Boolean(saved.protected),
    });
    await this.#d.changes.announce(row.id, "label");
    return { applied: true, result: { label: toLabel(saved), request: null } };
  }

  /** Deletes an unprotected label. @throws AppError `prompt.label_not_found`, `prompt.label_protected`. */
  async delete(id: string, label: string, ctx: RequestContext): Promise<void> {
    const row = await this.#d.access.holding(id, "prompts:manage", ctx);
    const existing = await this.#d.prompts.findLabel(row.id, label);
    if (!existing) throw new AppError("prompt.label_not_found", `Prompt ${id} has no label ${label}`);
    const protectedError = () =>
      new AppError("prompt.label_protected", `The label ${label} is protected: unprotect it first`);
    if (existing.protected) throw protectedError();
    // The statement checks again: a label protected since the read is not deleted.
    if (!(await this.#d.prompts.deleteLabel(row.id, label))) throw protectedError();
    await this.#audit(ctx, "prompt.label_deleted", row, { label });
    await this.#d.changes.announce(row.id, "label");
  }

  /** Requests the caller sees: of `teamId` (else all its teams), of one prompt, with `status`. */
  async requests(
    query: { teamId?: string | undefined; promptId?: string | undefined; status: LabelChangeStatus },
    ctx: RequestContext,
  ): Promise<{ items: LabelChangeRequest[] }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId)
      assertMayIn(principal, "prompts:read", query.teamId, "Listing this team's label requests");
    if (query.promptId) await this.#d.access.visible(query.promptId, ctx);
    const keyTeam = boundTeam(principal);
    const teamIds = query.teamId
      ? [query.teamId]
      : teamsWhere(principal, "prompts:read").filter(
          (t) => principal.teams.has(t) && (keyTeam === null || keyTeam === t),
        );
    const rows = await this.#d.activity.requests({
      teamIds,
      status: query.status,
      ...(query.promptId ? { promptId: query.promptId } : {}),
    });
    return { items: rows.map(toRequest) };
  }

  /**
   * Approves a pending request and applies it.
   * @throws AppError `prompt.change_request_not_found`, `auth.forbidden`, `prompt.approval_refused`,
   * `prompt.change_request_decided`.
   */
  async approve(
    requestId: string,
    reason: string | undefined,
    ctx: RequestContext,
  ): Promise<LabelChangeRequest> {
    const { row, request } = await this.#decidable(requestId, ctx);
    const now = this.#d.clock.now();
    const userId = requirePrincipal(ctx).userId;
    const decided = {
      status: "approved",
      decided_by: userId,
      decision_reason: reason ?? null,
      decided_at: now,
    };
    const split = request.split === null ? null : splitOf(request.split);
    const protectedNow = request.protected === null ? null : Boolean(request.protected);
    // Marked and applied in one transaction: a change that cannot be applied leaves it pending.
    const saved = await this.#d.prompts.approveLabelChange(
      request.id,
      decided,
      { promptId: row.id, label: request.label, keepSplit: split === null },
      (existing) => {
        if (!existing && !split)
          throw new AppError(
            "prompt.label_not_found",
            `Prompt ${row.id} no longer has the label ${request.label}`,
          );
        return this.#labelRow(row, request.label, existing, split, protectedNow, userId);
      },
    );
    if (!saved) throw decidedAlready(request.id);
    await this.#audit(ctx, "prompt.label_change_approved", row, {
      label: request.label,
      requestId: request.id,
      requestedBy: request.requested_by,
      versions: splitOf(saved.split),
      protected: Boolean(saved.protected),
      reason: reason ?? null,
    });
    await this.#d.changes.announce(row.id, "label");
    return toRequest({ ...request, ...decided });
  }

  /** Denies a pending request, saying why. Same checks as {@link approve}. */
  async deny(requestId: string, reason: string, ctx: RequestContext): Promise<LabelChangeRequest> {
    const { row, request } = await this.#decidable(requestId, ctx);
    const decided = {
      status: "denied",
      decided_by: requirePrincipal(ctx).userId,
      decision_reason: reason,
      decided_at: this.#d.clock.now(),
    };
    if (!(await this.#d.activity.decide(request.id, decided))) throw decidedAlready(request.id);
    await this.#audit(ctx, "prompt.label_change_denied", row, {
      label: request.label,
      requestId: request.id,
      requestedBy: request.requested_by,
      reason,
    });
    await this.#d.changes.announce(row.id, "request");
    return toRequest({ ...request, ...decided });
  }

  async #decidable(
    requestId: string,
    ctx: RequestContext,
  ): Promise<{ row: PromptRow; request: LabelRequestRow }> {
    const principal = requirePrincipal(ctx);
    // A decision is a person's: whatever a key holds, it never approves (as it never makes keys).
    if (principal.apiKey)
      throw new AppError(
        "auth.forbidden",
        "Label changes are approved or denied by a signed-in person, not an API key",
        {
          details: { reason: "api_key" },
        },
      );
    const request = await this.#d.activity.findRequest(requestId);
    const notFound = () =>
      new AppError("prompt.change_request_not_found", `No label change request ${requestId}`);
    if (!request) throw notFound();
    const row = await this.#d.access.visible(request.prompt_id, ctx).catch((error: unknown) => {
      throw error instanceof AppError && error.code === "prompt.not_found" ? notFound() : error;
    });
    await this.#d.access.holding(row.id, "prompts:approve", ctx);
    if (request.requested_by === principal.userId)
      throw new AppError(
        "prompt.approval_refused",
        "Someone else must decide on your own label change request",
      );
    if (request.status !== "pending") throw decidedAlready(request.id);
    return { row, request };
  }

  async #request(
    row: PromptRow,
    label: string,
    split: LabelTarget[] | null,
    protectedWanted: boolean | null,
    reason: string,
    ctx: RequestContext,
  ): Promise<LabelChangeRequest> {
    const principal = requirePrincipal(ctx);
    const request: LabelRequestRow & Insertable<PromptLabelRequestsTable> = {
      id: newId(),
      prompt_id: row.id,
      team_id: row.team_id,
      label,
      split: split === null ? null : toJson(split),
      protected: protectedWanted,
      status: "pending",
      requested_by: principal.userId,
      requested_with_key: principal.apiKey?.id ?? null,
      request_reason: reason,
      decided_by: null,
      decision_reason: null,
      decided_at: null,
      created_at: this.#d.clock.now(),
    };
    await this.#d.activity.insertRequest({
      ...request,
      protected: protectedWanted === null ? null : protectedWanted ? 1 : 0,
    });
    await this.#audit(ctx, "prompt.label_change_requested", row, {
      label,
      requestId: request.id,
      versions: split,
      protected: protectedWanted,
    });
    await this.#d.changes.announce(row.id, "request");
    return toRequest(request);
  }

  async #apply(
    row: PromptRow,
    label: string,
    existing: LabelRow | undefined,
    split: LabelTarget[] | null,
    protectedWanted: boolean | null,
    userId: string,
    unlessProtected = false,
  ): Promise<LabelRow | null> {
    const wanted = this.#labelRow(row, label, existing, split, protectedWanted, userId);
    // Without new versions, the label keeps those it points at when written, not when read.
    const written = await this.#d.prompts.saveLabel(wanted, { unlessProtected, keepSplit: split === null });
    return written ?? null;
  }

  /** The label row that points `label` at `split` (or where it points), protected as wanted. */
  #labelRow(
    row: PromptRow,
    label: string,
    existing: LabelRow | undefined,
    split: LabelTarget[] | null,
    protectedWanted: boolean | null,
    userId: string,
  ): LabelRow & Insertable<PromptLabelsTable> {
    const targets = split ?? (existing ? splitOf(existing.split) : []);
    const isProtected = protectedWanted ?? Boolean(existing?.protected ?? false);
    return {
      prompt_id: row.id,
      label,
      split: toJson(targets),
      protected: isProtected ? 1 : 0,
      updated_by: userId,
      updated_at: this.#d.clock.now(),
    };
  }

  async #audit(ctx: RequestContext, action: string, row: PromptRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "prompt", id: row.id },
      teamId: row.team_id,
      summary: { name: row.name, ...summary },
    });
  }
}

function decidedAlready(id: string): AppError {
  return new AppError("prompt.change_request_decided", `Label change request ${id} was already decided`);
}
