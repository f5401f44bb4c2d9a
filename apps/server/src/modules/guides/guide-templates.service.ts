import {
  MAX_GUIDE_MARKDOWN_CHARS,
  GuideTemplateVariable,
  type CreateGuideTemplateRequest,
  type GuideTemplate,
  type UpdateGuideTemplateRequest,
} from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { iso, newId } from "../../kernel/ids.ts";
import { assertMayIn, can, requirePrincipal, type Principal, boundTeam } from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../../platform/db/constraint-errors.ts";
import { BUILT_IN_TEMPLATES, renderTemplate, variablesUsed } from "./guide-templates.ts";
import { readableTeams } from "./guides.service.ts";
import type { GuideRepository, TemplateRow } from "./guides.repository.ts";

/** Dependencies of the template service. */
export interface GuideTemplatesDeps {
  guides: GuideRepository;
  audit: AuditSink;
  clock: Clock;
}

/**
 * Guide templates: the built-in ones every team has, and a team's own (CRUD by members with
 * `guides:write` there). A template's variables are declared, and its text may use only those.
 */
export class GuideTemplates {
  readonly #d: GuideTemplatesDeps;
  constructor(deps: GuideTemplatesDeps) {
    this.#d = deps;
  }

  /** The built-in templates, then the team's own (or those of every team the caller reads). */
  async list(teamId: string | undefined, ctx: RequestContext): Promise<GuideTemplate[]> {
    const principal = requirePrincipal(ctx);
    if (teamId) assertMayIn(principal, "guides:read", teamId, "Listing this team's templates");
    const teams = teamId ? [teamId] : readableTeams(principal);
    const own = await this.#d.guides.templates(teams);
    return [...BUILT_IN_TEMPLATES, ...own.map(toTemplate)];
  }

  /** @throws AppError `guide.template_not_found`. */
  async get(id: string, ctx: RequestContext): Promise<GuideTemplate> {
    const principal = requirePrincipal(ctx);
    const builtIn = BUILT_IN_TEMPLATES.find((t) => t.id === id);
    if (builtIn) return builtIn;
    return toTemplate(await this.#visible(id, principal));
  }

  /**
   * The title, markdown and tags of a guide made from template `id` for team `teamId`.
   * @throws AppError `guide.template_not_found` (also for another team's template),
   * `guide.template_variables`.
   */
  async render(
    id: string,
    teamId: string,
    values: Readonly<Record<string, string>>,
    ctx: RequestContext,
  ): Promise<{ title: string; content: string; tags: string[] }> {
    const template = await this.get(id, ctx);
    if (template.teamId !== null && template.teamId !== teamId)
      throw new AppError("guide.template_not_found", `No template ${id} in this team`);
    return { ...renderTemplate(template, values), tags: [...template.tags] };
  }

  /** @throws AppError `team.not_found`, `auth.forbidden`, `guide.template_name_taken`, `guide.template_variables`. */
  async create(input: CreateGuideTemplateRequest, ctx: RequestContext): Promise<GuideTemplate> {
    const principal = requirePrincipal(ctx);
    assertMayIn(principal, "guides:write", input.teamId, "Creating a template here");
    const variables = (input.variables ?? []).map((v) => GuideTemplateVariable.parse(v));
    checkTemplate(input.title, input.content, variables);
    const now = this.#d.clock.now();
    const row: TemplateRow = {
      id: newId(),
      team_id: input.teamId,
      name: input.name,
      description: input.description ?? "",
      title: input.title,
      content: input.content,
      variables: JSON.stringify(variables),
      tags: JSON.stringify(input.tags ?? []),
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.#d.guides.insertTemplate(row);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError(
          "guide.template_name_taken",
          `This team already has a template named ${input.name}`,
          {
            cause: error,
          },
        );
      if (isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${input.teamId}`, { cause: error });
      throw error;
    }
    await this.#audit(ctx, "guide_template.created", row, { name: row.name });
    return toTemplate(row);
  }

  /** @throws AppError `guide.template_not_found`, `auth.forbidden`, `guide.template_name_taken`. */
  async update(id: string, patch: UpdateGuideTemplateRequest, ctx: RequestContext): Promise<GuideTemplate> {
    const row = await this.#changeable(id, requirePrincipal(ctx));
    const variables =
      patch.variables?.map((v) => GuideTemplateVariable.parse(v)) ??
      (JSON.parse(row.variables) as GuideTemplateVariable[]);
    const changes = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.content !== undefined ? { content: patch.content } : {}),
      ...(patch.variables !== undefined ? { variables: JSON.stringify(variables) } : {}),
      ...(patch.tags !== undefined ? { tags: JSON.stringify(patch.tags) } : {}),
      updated_at: this.#d.clock.now(),
    };
    const next = { ...row, ...changes };
    checkTemplate(next.title, next.content, variables);
    try {
      await this.#d.guides.updateTemplate(id, changes);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError("guide.template_name_taken", "Another template of this team has this name", {
          cause: error,
        });
      throw error;
    }
    await this.#audit(ctx, "guide_template.updated", next, { changed: Object.keys(patch).sort() });
    return toTemplate(next);
  }

  /** Deletes a team's template; guides made from it stay. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#changeable(id, requirePrincipal(ctx));
    await this.#d.guides.deleteTemplate(id);
    await this.#audit(ctx, "guide_template.deleted", row, { name: row.name });
  }

  async #visible(id: string, principal: Principal): Promise<TemplateRow> {
    const row = await this.#d.guides.findTemplate(id);
    const keyTeam = boundTeam(principal);
    if (
      !row ||
      (keyTeam !== null && keyTeam !== row.team_id) ||
      !principal.teams.has(row.team_id) ||
      !can(principal, "guides:read", row.team_id)
    )
      throw new AppError("guide.template_not_found", `No template ${id}`);
    return row;
  }

  async #changeable(id: string, principal: Principal): Promise<TemplateRow> {
    if (BUILT_IN_TEMPLATES.some((t) => t.id === id))
      throw new AppError(
        "auth.forbidden",
        "Built-in templates cannot be changed; make a team template from one",
      );
    const row = await this.#visible(id, principal);
    if (!can(principal, "guides:write", row.team_id))
      throw new AppError("auth.forbidden", "Changing this template needs the guides:write permission", {
        details: { permission: "guides:write" },
      });
    return row;
  }

  async #audit(ctx: RequestContext, action: string, row: TemplateRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "guide_template", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}

/**
 * A template's text may use only its declared variables, each declared once, and stays within a
 * guide's size. @throws AppError `guide.template_variables`, `guide.too_large`.
 */
function checkTemplate(title: string, content: string, variables: readonly GuideTemplateVariable[]): void {
  if (content.length > MAX_GUIDE_MARKDOWN_CHARS)
    throw new AppError("guide.too_large", `A template holds at most ${MAX_GUIDE_MARKDOWN_CHARS} characters`, {
      details: { limit: MAX_GUIDE_MARKDOWN_CHARS, size: content.length },
    });
  const declared = variables.map((v) => v.name);
  const duplicates = declared.filter((name, i) => declared.indexOf(name) !== i);
  const undeclared = variablesUsed(title, content).filter((name) => !declared.includes(name));
  if (duplicates.length || undeclared.length)
    throw new AppError(
      "guide.template_variables",
      [
        undeclared.length ? `Used but not declared: ${undeclared.join(", ")}` : "",
        duplicates.length ? `Declared twice: ${[...new Set(duplicates)].join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; "),
      { details: { undeclared, duplicates: [...new Set(duplicates)] } },
    );
}

function toTemplate(row: TemplateRow): GuideTemplate {
  return {
    id: row.id,
    teamId: row.team_id,
    builtIn: false,
    name: row.name,
    description: row.description,
    title: row.title,
    content: row.content,
    variables: JSON.parse(row.variables) as GuideTemplateVariable[],
    tags: JSON.parse(row.tags) as string[],
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
