import { PERSONA_MODEL_PREFIX, type PersonaContent } from "@parley/contracts";
import type { PersonaRef } from "../../kernel/ai-call.ts";
import type { Settlement } from "../../kernel/ai-stage.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import { can, requirePrincipal, teamsWhere, type Principal, boundTeam } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { pickVersion } from "./ab-split.ts";
import type { LabelCache } from "./label-cache.ts";
import type { PromptActivityRepository } from "./prompt-activity.repository.ts";
import { sees, type PromptAccess } from "./prompt-access.ts";
import { contentOf, splitOf } from "./prompt-view.ts";
import type { PromptRepository, PromptRow } from "./prompts.repository.ts";

/** The label a persona is used with when the model id names none (if the persona has it). */
export const DEFAULT_LABEL = "production";
const MAX_CACHED_VERSIONS = 1_000;

/** Dependencies of the persona service. */
export interface PersonaServiceDeps {
  prompts: PromptRepository;
  activity: PromptActivityRepository;
  access: PromptAccess;
  labels: LabelCache;
  clock: Clock;
  /** The model a persona without one answers with (the first enabled one). */
  defaultModel: () => Promise<string | null>;
}

/** Where a `persona/<slug>[@<label>]` call goes. */
export interface PersonaTarget {
  /** The version's model (else the default one). */
  model: string;
  /** The persona's team: the call is made for and metered to it. */
  teamId: string;
  persona: PersonaRef;
}

/**
 * Personas in AI calls: resolves `persona/<slug>[@<label>]` to the version the label gives the
 * caller (sticky A/B), hands the persona stage the version's settings, records each call by
 * version, and takes the thumbs chat answers get.
 */
export class PersonaService {
  readonly #d: PersonaServiceDeps;
  /** Versions never change: their content is cached by `promptId:version`. */
  readonly #versions = new Map<string, PersonaContent>();
  constructor(deps: PersonaServiceDeps) {
    this.#d = deps;
  }

  /** Whether `model` names a persona. */
  static names(model: string): boolean {
    return model.startsWith(PERSONA_MODEL_PREFIX);
  }

  /**
   * The target of model id `persona/<slug>[@<label>]` for the caller: without a label,
   * `production` if the persona has it, else its current version.
   * @throws AppError `prompt.not_found`, `prompt.wrong_kind`, `prompt.label_not_found`, `auth.forbidden`.
   */
  async resolve(model: string, ctx: RequestContext): Promise<PersonaTarget> {
    const principal = requirePrincipal(ctx);
    const [slug = "", named] = model.slice(PERSONA_MODEL_PREFIX.length).split("@", 2);
    const row = (await this.#d.prompts.findBySlug(slug, this.#teamsOf(principal))).find((r) =>
      sees(principal, r),
    );
    if (!row) throw new AppError("prompt.not_found", `No persona ${slug}`);
    if (row.kind !== "persona")
      throw new AppError("prompt.wrong_kind", `${slug} is a template, not a persona`);
    if (!can(principal, "ai:use", row.team_id))
      throw new AppError("auth.forbidden", "Using this persona needs the ai:use permission", {
        details: { permission: "ai:use" },
      });
    const { version, label } = await this.#pick(row, named ?? null, principal.userId);
    const content = await this.#content(row, version);
    const chosen = content.model ?? (await this.#d.defaultModel());
    if (!chosen)
      throw new AppError("model.not_found", "The persona names no model and no model is configured");
    return { model: chosen, teamId: row.team_id, persona: { promptId: row.id, version, label } };
  }

  /** The personas the caller may use on `/v1/models`, as their model ids. */
  async usable(ctx: RequestContext): Promise<string[]> {
    const principal = requirePrincipal(ctx);
    const rows = await this.#d.prompts.list({
      teamIds: this.#teamsOf(principal),
      kind: "persona",
      limit: 200,
    });
    return rows
      .filter((r) => sees(principal, r) && can(principal, "ai:use", r.team_id))
      .map((r) => `${PERSONA_MODEL_PREFIX}${r.slug}`);
  }

  /**
   * The settings of the persona version a call is made with, for a caller who still sees it.
   * @throws AppError `prompt.not_found`.
   */
  async contentFor(ref: PersonaRef, ctx: RequestContext): Promise<PersonaContent> {
    const row = await this.#d.access.visible(ref.promptId, ctx);
    return this.#content(row, ref.version);
  }

  /** Records a settled call made with a persona version. */
  async record(ref: PersonaRef, settled: Settlement, userId: string): Promise<void> {
    await this.#d.activity.insertCall({
      id: newId(),
      prompt_id: ref.promptId,
      version: ref.version,
      label: ref.label,
      user_id: userId,
      message_id: ref.messageId ?? null,
      outcome: settled.outcome,
      error_code: settled.errorCode,
      input_tokens: settled.usage.inputTokens,
      output_tokens: settled.usage.outputTokens,
      cost_micros: settled.costMicros,
      thumbs_up: 0,
      thumbs_down: 0,
      created_at: this.#d.clock.now(),
    });
  }

  /**
   * A chat answer's thumbs changed by `delta` (one rating given, changed or taken back): the
   * calls that produced it count it.
   */
  async feedbackChanged(messageId: string, delta: { up: number; down: number }): Promise<void> {
    await this.#d.activity.addThumbs(messageId, delta.up, delta.down);
  }

  async #pick(
    row: PromptRow,
    named: string | null,
    userId: string,
  ): Promise<{ version: number; label: string | null }> {
    const labels = await this.#d.labels.labelsOf(row.id);
    const label = named ?? DEFAULT_LABEL;
    const found = labels.find((l) => l.label === label);
    if (!found) {
      if (named !== null)
        throw new AppError("prompt.label_not_found", `Persona ${row.slug} has no label ${named}`);
      return { version: row.current_version, label: null };
    }
    return { version: pickVersion(splitOf(found.split), userId, row.id, label), label };
  }

  async #content(row: PromptRow, version: number): Promise<PersonaContent> {
    const key = `${row.id}:${version}`;
    const cached = this.#versions.get(key);
    if (cached) return cached;
    const content = contentOf(await this.#d.access.version(row, version));
    if (content.kind !== "persona") throw new AppError("prompt.wrong_kind", `${row.slug} is not a persona`);
    if (this.#versions.size >= MAX_CACHED_VERSIONS) this.#versions.clear();
    this.#versions.set(key, content);
    return content;
  }

  #teamsOf(principal: Principal): string[] {
    const keyTeam = boundTeam(principal);
    return teamsWhere(principal, "prompts:read").filter(
      (t) => principal.teams.has(t) && (keyTeam === null || keyTeam === t),
    );
  }
}
