import type {
  CreatePromptRequest,
  Prompt,
  PromptContent,
  PromptDiff,
  PromptListQuery,
  PromptStats,
  PromptVersion,
  RenderedPrompt,
  RenderPromptRequest,
  UpdatePromptRequest,
} from "@parley/contracts";
import {
  CreatePromptRequest as CreateSchema,
  RenderPromptRequest as RenderSchema,
  UpdatePromptRequest as UpdateSchema,
} from "@parley/contracts";
import { decodeNameCursor, encodeNameCursor, pageOf } from "../../db/cursor.ts";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId, slugify } from "../../kernel/ids.ts";
import { assertMayIn, requirePrincipal, teamsWhere, boundTeam } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { pickVersion } from "./ab-split.ts";
import type { LabelCache, PromptChanges } from "./label-cache.ts";
import type { PromptActivityRepository } from "./prompt-activity.repository.ts";
import { versionNumber, type PromptAccess } from "./prompt-access.ts";
import { diffVersions } from "./prompt-diff.ts";
import { contentOf, splitOf, toPrompt, toVersion } from "./prompt-view.ts";
import type { PromptRepository, PromptRow, PromptVersionRow } from "./prompts.repository.ts";
import { render, templateIssues } from "./template.ts";
import type { PromptVersionsTable } from "./prompts.tables.ts";
import type { Insertable } from "kysely";

/** Dependencies of the prompt service. */
export interface PromptServiceDeps {
  prompts: PromptRepository;
  activity: PromptActivityRepository;
  access: PromptAccess;
  labels: LabelCache;
  changes: PromptChanges;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Prompt templates and personas of a team: each edit an immutable version (`expectedVersion`,
 * 409 on a stale one), the diff of any two, rendering, and the per-version stats.
 */
export class PromptService {
  readonly #d: PromptServiceDeps;
  constructor(deps: PromptServiceDeps) {
    this.#d = deps;
  }

  async list(
    query: PromptListQuery,
    ctx: RequestContext,
  ): Promise<{ items: Prompt[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId) assertMayIn(principal, "prompts:read", query.teamId, "Listing this team's prompts");
    const keyTeam = boundTeam(principal);
    const teamIds = query.teamId
      ? [query.teamId]
      : teamsWhere(principal, "prompts:read").filter(
          (t) => principal.teams.has(t) && (keyTeam === null || keyTeam === t),
        );
    const rows = await this.#d.prompts.list({
      teamIds,
      ...(query.kind ? { kind: query.kind } : {}),
      limit: query.limit + 1,
      ...(query.cursor ? { after: decodeNameCursor(query.cursor) } : {}),
    });
    const ids = rows.map((r) => r.id);
    const current = new Map((await this.#d.prompts.currentVersions(ids)).map((v) => [v.prompt_id, v]));
    const labels = await this.#d.prompts.labels(ids);
    return pageOf(rows, query.limit, encodeNameCursor, (row) =>
      toPrompt(
        row,
        current.get(row.id) as PromptVersionRow,
        labels.filter((l) => l.prompt_id === row.id),
      ),
    );
  }

  async get(id: string, ctx: RequestContext): Promise<Prompt> {
    return this.#view(await this.#d.access.visible(id, ctx));
  }

  /** @throws AppError `team.not_found`, `auth.forbidden`, `prompt.invalid_template`, `prompt.slug_taken`. */
  async create(input: CreatePromptRequest, ctx: RequestContext): Promise<Prompt> {
    const body = CreateSchema.parse(input);
    const principal = requirePrincipal(ctx);
    assertMayIn(principal, "prompts:manage", body.teamId, "Creating a prompt here");
    assertValid(body.content);
    const now = this.#d.clock.now();
    const row: PromptRow = {
      id: newId(),
      team_id: body.teamId,
      kind: body.content.kind,
      slug: body.slug ?? slugify(body.name, body.content.kind),
      name: body.name,
      description: body.description ?? "",
      current_version: 1,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
    };
    const version = this.#versionRow(row, 1, body, now, principal.userId);
    try {
      await this.#d.prompts.insert(row, version);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError("prompt.slug_taken", `The team has a prompt with the slug ${row.slug}`, {
          details: { slug: row.slug },
          cause: error,
        });
      if (isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${body.teamId}`, { cause: error });
      throw error;
    }
    await this.#audit(ctx, "prompt.created", row, { kind: row.kind, slug: row.slug, version: 1 });
    await this.#d.changes.announce(row.id, "created");
    return toPrompt(row, version, []);
  }

  /**
   * Saves a new version made from `expectedVersion`.
   * @throws AppError `prompt.not_found`, `auth.forbidden`, `prompt.wrong_kind`,
   * `prompt.invalid_template`, `prompt.version_conflict`.
   */
  async update(id: string, input: UpdatePromptRequest, ctx: RequestContext): Promise<Prompt> {
    const body = UpdateSchema.parse(input);
    const row = await this.#d.access.holding(id, "prompts:manage", ctx);
    if (body.content.kind !== row.kind)
      throw new AppError("prompt.wrong_kind", `Prompt ${id} is a ${row.kind}; its kind cannot change`);
    assertValid(body.content);
    if (body.expectedVersion !== row.current_version) throw conflict(row, body.expectedVersion);
    const now = this.#d.clock.now();
    const next = row.current_version + 1;
    const fields = { name: body.name ?? row.name, description: body.description ?? row.description };
    const version = this.#versionRow(row, next, { ...body, ...fields }, now, requirePrincipal(ctx).userId);
    const changes = { ...fields, current_version: next, updated_at: now };
    if (!(await this.#d.prompts.addVersion(row.current_version, version, changes)))
      throw conflict(row, body.expectedVersion);
    const updated = { ...row, ...changes };
    await this.#audit(ctx, "prompt.versioned", updated, { kind: row.kind, version: next });
    await this.#d.changes.announce(row.id, "versioned");
    return this.#view(updated, version);
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#d.access.holding(id, "prompts:manage", ctx);
    await this.#d.prompts.delete(id);
    await this.#audit(ctx, "prompt.deleted", row, { kind: row.kind, slug: row.slug });
    await this.#d.changes.announce(row.id, "deleted");
  }

  async versions(id: string, ctx: RequestContext): Promise<{ items: PromptVersion[] }> {
    const row = await this.#d.access.visible(id, ctx);
    return { items: (await this.#d.prompts.versions(row.id)).map(toVersion) };
  }

  /** @throws AppError `prompt.not_found`, `prompt.version_not_found`. */
  async version(id: string, version: string, ctx: RequestContext): Promise<PromptVersion> {
    const row = await this.#d.access.visible(id, ctx);
    const n = versionNumber(version);
    if (n === null) throw new AppError("prompt.version_not_found", `Prompt ${id} has no version ${version}`);
    return toVersion(await this.#d.access.version(row, n));
  }

  /** The line diff from version `from` to version `to` (either order). */
  async diff(id: string, from: number, to: number, ctx: RequestContext): Promise<PromptDiff> {
    const row = await this.#d.access.visible(id, ctx);
    const [a, b] = [await this.#d.access.version(row, from), await this.#d.access.version(row, to)];
    return diffVersions(row.id, { ...a, content: contentOf(a) }, { ...b, content: contentOf(b) });
  }

  /**
   * Renders a template with `variables`: the given version, else the one the label gives the
   * caller (its A/B assignment), else the current one.
   * @throws AppError `prompt.wrong_kind`, `prompt.label_not_found`, `prompt.invalid_variables`.
   */
  async render(id: string, input: RenderPromptRequest, ctx: RequestContext): Promise<RenderedPrompt> {
    const body = RenderSchema.parse(input);
    const row = await this.#d.access.visible(id, ctx);
    if (row.kind !== "template")
      throw new AppError("prompt.wrong_kind", `Prompt ${id} is a persona: only templates render`);
    const n =
      body.version ?? (body.label ? await this.labelVersion(row, body.label, ctx) : row.current_version);
    const version = await this.#d.access.version(row, n);
    const content = contentOf(version);
    if (content.kind !== "template") throw new Error(`template ${row.id} holds a ${content.kind}`);
    const rendered = render(content, body.variables);
    if (rendered.issues.length)
      throw new AppError("prompt.invalid_variables", "The variables do not fit the template", {
        details: { issues: rendered.issues },
      });
    return { promptId: row.id, version: n, text: rendered.text };
  }

  /** The version label `label` of `row` gives the caller. @throws AppError `prompt.label_not_found`. */
  async labelVersion(row: PromptRow, label: string, ctx: RequestContext): Promise<number> {
    const found = (await this.#d.labels.labelsOf(row.id)).find((l) => l.label === label);
    if (!found) throw new AppError("prompt.label_not_found", `Prompt ${row.id} has no label ${label}`);
    return pickVersion(splitOf(found.split), requirePrincipal(ctx).userId, row.id, label);
  }

  /** Per version: calls, failures, tokens, cost and thumbs. */
  async stats(id: string, ctx: RequestContext): Promise<PromptStats> {
    const row = await this.#d.access.visible(id, ctx);
    const totals = await this.#d.activity.totals(row.id);
    return {
      promptId: row.id,
      versions: totals.map((t) => ({ ...t, failureRate: t.calls ? t.failures / t.calls : 0 })),
    };
  }

  async #view(row: PromptRow, current?: PromptVersionRow): Promise<Prompt> {
    const version = current ?? (await this.#d.access.version(row, row.current_version));
    return toPrompt(row, version, await this.#d.prompts.labels([row.id]));
  }

  #versionRow(
    row: PromptRow,
    version: number,
    body: { name: string; description?: string; content: PromptContent; note?: string },
    now: number,
    userId: string,
  ): Insertable<PromptVersionsTable> & PromptVersionRow {
    return {
      prompt_id: row.id,
      version,
      name: body.name,
      description: body.description ?? "",
      content: toJson(body.content),
      note: body.note ?? "",
      created_by: userId,
      created_at: now,
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

/** @throws AppError `prompt.invalid_template` with the issues. */
function assertValid(content: PromptContent): void {
  if (content.kind !== "template") return;
  const issues = templateIssues(content);
  if (issues.length)
    throw new AppError("prompt.invalid_template", "The template's placeholders and variables disagree", {
      details: { issues },
    });
}

function conflict(row: PromptRow, expected: number): AppError {
  return new AppError(
    "prompt.version_conflict",
    `Prompt ${row.id} changed: it is at version ${row.current_version}, not ${expected}; reload it and edit again`,
    { details: { currentVersion: row.current_version } },
  );
}
