import type { RuleSpec, RuleTier } from "@parley/contracts";
import type { StageContext } from "../../../kernel/ai-stage.ts";
import type { Clock } from "../../../platform/clock/clock.ts";
import { buildDetector } from "../detectors/build-detector.ts";
import type { Detector } from "../detectors/types.ts";
import type { RuleRepository } from "../governance.repository.ts";
import { specOf } from "../rule-view.ts";

/** An enabled rule's current version, ready to run. */
export interface ActiveRule {
  readonly id: string;
  readonly version: number;
  readonly teamId: string | null;
  readonly name: string;
  /** Null when the stored spec no longer parses: the rule then fails closed on every call. */
  readonly spec: RuleSpec | null;
  /** Its detectors, or why they cannot be built (a check that fails, closed unless fail-open). */
  readonly detectors: readonly Detector[] | Error;
}

/** How long a cached rule set is trusted without an announcement (the bus may drop one). */
const TRUST_MS = 5_000;

interface Entry {
  readonly loadedAt: number;
  readonly rules: Promise<readonly ActiveRule[]>;
  /** The rules once read: a call then gets them without a promise. */
  ready?: readonly ActiveRule[];
}

/** The rules of each tier that apply to one call. */
export interface CallRules {
  readonly before: ActiveRule[];
  readonly during: ActiveRule[];
  readonly after: ActiveRule[];
}

/**
 * The enabled rules each team's calls pass, read once and kept: organisation-wide rules and the
 * team's own. A rule change drops every cached set (`invalidate`, announced to the other pods on
 * the bus); a set older than a few seconds is read again anyway, should an announcement be lost.
 */
export class RuleBook {
  readonly #rules: RuleRepository;
  readonly #clock: Clock;
  readonly #cache = new Map<string, Entry>();
  #generation = 0;

  constructor(deps: { rules: RuleRepository; clock: Clock }) {
    this.#rules = deps.rules;
    this.#clock = deps.clock;
  }

  /** Forgets every cached rule set (a rule changed, here or on another pod). */
  invalidate(): void {
    this.#generation++;
    this.#cache.clear();
  }

  /** The rules of `tier` that apply to this call, in a stable order (organisation-wide first). */
  async rulesFor(ctx: StageContext, tier: RuleTier): Promise<ActiveRule[]> {
    return (await this.#teamRules(ctx.teamId)).filter((rule) => applies(rule, ctx, tier));
  }

  /**
   * The rules of every tier that apply to this call, in one pass: at once (no promise) when the
   * team's set is cached, which is most calls; a promise while it is read.
   */
  callRules(ctx: StageContext): CallRules | Promise<CallRules> {
    const entry = this.#entry(ctx.teamId);
    return entry.ready ? split(entry.ready, ctx) : entry.rules.then((rules) => split(rules, ctx));
  }

  /** Every enabled rule a call of `teamId` may meet, whatever its tier and scope. */
  async all(teamId: string | null): Promise<readonly ActiveRule[]> {
    return this.#teamRules(teamId);
  }

  #teamRules(teamId: string | null): Promise<readonly ActiveRule[]> {
    return this.#entry(teamId).rules;
  }

  #entry(teamId: string | null): Entry {
    const key = teamId ?? "";
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached && now - cached.loadedAt < TRUST_MS) return cached;
    const generation = this.#generation;
    const rules = this.#load(teamId);
    const entry: Entry = { loadedAt: now, rules };
    this.#cache.set(key, entry);
    rules.then(
      (loaded) => {
        entry.ready = loaded;
        // A change landed while this set was read: it may be stale, read it again next time.
        if (generation !== this.#generation && this.#cache.get(key) === entry) this.#cache.delete(key);
      },
      () => {
        if (this.#cache.get(key) === entry) this.#cache.delete(key);
      },
    );
    return entry;
  }

  async #load(teamId: string | null): Promise<ActiveRule[]> {
    const rows = (await this.#rules.list({ teamIds: teamId ? [teamId] : [], orgWide: true })).filter((r) =>
      Boolean(r.enabled),
    );
    const versions = new Map(
      (await this.#rules.currentVersions(rows.map((r) => r.id))).map((v) => [v.rule_id, v]),
    );
    const active: ActiveRule[] = [];
    // Organisation-wide rules first, then the team's; by name within each.
    for (const row of [...rows].sort((a, b) => Number(a.team_id !== null) - Number(b.team_id !== null))) {
      const version = versions.get(row.id);
      if (!version) continue;
      let spec: RuleSpec | null = null;
      let detectors: readonly Detector[] | Error;
      try {
        spec = specOf(version);
        detectors = (spec.condition.detectors ?? []).map((d) => buildDetector(d));
      } catch (error) {
        detectors = error instanceof Error ? error : new Error(String(error));
      }
      active.push({
        id: row.id,
        version: version.version,
        teamId: row.team_id,
        name: row.name,
        spec,
        detectors,
      });
    }
    return active;
  }
}

function split(rules: readonly ActiveRule[], ctx: StageContext): CallRules {
  const tiers: CallRules = { before: [], during: [], after: [] };
  for (const rule of rules) {
    if (applies(rule, ctx, "before")) tiers.before.push(rule);
    else if (applies(rule, ctx, "during")) tiers.during.push(rule);
    else if (applies(rule, ctx, "after")) tiers.after.push(rule);
  }
  return tiers;
}

/** The rule surface an AI surface counts as (`telegram` calls meet `bot` rules). */
const RULE_SURFACE: Readonly<Record<string, string>> = { telegram: "bot" };

/** Whether a rule of `tier` is scoped to this call. A spec that no longer parses applies everywhere. */
export function applies(rule: ActiveRule, ctx: StageContext, tier: RuleTier): boolean {
  const spec = rule.spec;
  if (spec === null) return tier === "before";
  if (spec.tier !== tier) return false;
  const scope = spec.scope;
  const surface = RULE_SURFACE[ctx.surface] ?? ctx.surface;
  if (scope.surfaces && !scope.surfaces.some((s) => s === surface)) return false;
  if (scope.projectId !== undefined && scope.projectId !== ctx.projectId) return false;
  if (scope.assistantId !== undefined && scope.assistantId !== ctx.assistantId) return false;
  if (scope.models && !namesModel(scope.models, ctx)) return false;
  return true;
}

/** Whether `models` names the call's requested model, by id or alias. */
export function namesModel(models: readonly string[], ctx: StageContext): boolean {
  const model = ctx.requested;
  return models.some((m) => m === model.id || model.aliases.includes(m));
}
