import {
  RECOMMENDED_RULES,
  type CreateRuleRequest,
  type DryRunRequest,
  type DryRunResult,
  type GovernanceRule,
  type GovernanceRuleVersion,
  type RuleListQuery,
  type RuleSpec,
  type UpdateRuleRequest,
} from "@parley/contracts";
import { decodeNameCursor, encodeNameCursor, pageOf } from "../../db/cursor.ts";
import { toJson } from "../../db/json.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  requirePrincipal,
  teamsWhere,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import { buildDetector } from "./detectors/build-detector.ts";
import { InvalidDetectorError } from "./detectors/invalid-detector.error.ts";
import { redact } from "./detectors/redact.ts";
import { byPosition, fingerprint, type Detector, type DetectorMatch } from "./detectors/types.ts";
import type { NewRule, RuleRepository, RuleRow, RuleVersionRow } from "./governance.repository.ts";
import type { GovernanceRuleVersionsTable } from "./governance.tables.ts";
import type { Insertable } from "kysely";
import { specOf, toRule, toRuleVersion } from "./rule-view.ts";

/** Dependencies of the rule service. */
export interface RuleServiceDeps {
  rules: RuleRepository;
  audit: AuditSink;
  clock: Clock;
  /** Called after every change (the enforcement's cached rules are dropped, here and elsewhere). */
  onChange?: () => void;
}

/**
 * Governance rules as data: each edit is a new immutable version. A team's rule exists only for
 * the team's members (404 elsewhere, global admins included, as for projects) and changes with
 * `governance:manage` there; an organisation-wide rule (no team) is read with a global
 * `governance:read` and changed with a global `governance:manage`.
 */
export class RuleService {
  readonly #d: RuleServiceDeps;
  constructor(deps: RuleServiceDeps) {
    this.#d = deps;
  }

  async list(
    query: RuleListQuery,
    ctx: RequestContext,
  ): Promise<{ items: GovernanceRule[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId) assertMayIn(principal, "governance:read", query.teamId, "Listing this team's rules");
    const rows = await this.#d.rules.list({
      teamIds: query.teamId ? [query.teamId] : teamsWhere(principal, "governance:read"),
      orgWide: !query.teamId && can(principal, "governance:read", null),
      limit: query.limit + 1,
      ...(query.cursor ? { after: decodeNameCursor(query.cursor) } : {}),
    });
    const current = await this.#currentOf(rows);
    return pageOf(rows, query.limit, encodeNameCursor, (row) => toRule(row, current(row)));
  }

  async get(id: string, ctx: RequestContext): Promise<GovernanceRule> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    return toRule(row, await this.#version(row, row.current_version));
  }

  async versions(id: string, ctx: RequestContext): Promise<{ items: GovernanceRuleVersion[] }> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    return { items: (await this.#d.rules.versions(row.id)).map(toRuleVersion) };
  }

  /** @throws AppError `governance.rule_not_found`, `governance.rule_version_not_found`. */
  async version(id: string, version: string, ctx: RequestContext): Promise<GovernanceRuleVersion> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    const n = /^[1-9]\d{0,8}$/.test(version) ? Number(version) : null;
    if (n === null)
      throw new AppError("governance.rule_version_not_found", `Rule ${id} has no version ${version}`);
    return toRuleVersion(await this.#version(row, n));
  }

  /** @throws AppError `team.not_found`, `auth.forbidden`, `validation.failed`. */
  async create(input: CreateRuleRequest, ctx: RequestContext): Promise<GovernanceRule> {
    const principal = requirePrincipal(ctx);
    const teamId = input.teamId ?? null;
    if (teamId === null)
      this.#assertOrgWide(principal, "governance:manage", "Creating an organisation-wide rule");
    else assertMayIn(principal, "governance:manage", teamId, "Creating a rule here");
    assertBuildable(input.spec);
    const { row, version } = this.#newRule(teamId, input.spec, input.enabled ?? true, principal.userId);
    try {
      await this.#d.rules.insert({ ...row, enabled: row.enabled ? 1 : 0 }, version);
    } catch (error) {
      throw teamGone(error, teamId);
    }
    await this.#audit(ctx, "governance.rule_created", row, {
      name: row.name,
      version: 1,
      ...summaryOf(input.spec),
    });
    return toRule(row, version);
  }

  /**
   * Saves a new version made from `expectedVersion`.
   * @throws AppError `governance.rule_not_found`, `auth.forbidden`, `validation.failed`,
   * `governance.rule_version_conflict`.
   */
  async update(id: string, input: UpdateRuleRequest, ctx: RequestContext): Promise<GovernanceRule> {
    const row = await this.#changeable(id, ctx);
    assertBuildable(input.spec);
    if (input.expectedVersion !== row.current_version) throw conflict(row, input.expectedVersion);
    const now = this.#d.clock.now();
    const next = row.current_version + 1;
    const version: Insertable<GovernanceRuleVersionsTable> & RuleVersionRow = {
      rule_id: row.id,
      version: next,
      spec: toJson(input.spec),
      created_by: requirePrincipal(ctx).userId,
      created_at: now,
    };
    const changes = { name: input.spec.name, current_version: next, updated_at: now };
    if (!(await this.#d.rules.addVersion(row.current_version, version, changes)))
      throw conflict(row, input.expectedVersion);
    const updated = { ...row, ...changes };
    await this.#audit(ctx, "governance.rule_versioned", updated, {
      name: updated.name,
      version: next,
      ...summaryOf(input.spec),
    });
    return toRule(updated, version);
  }

  async setEnabled(id: string, enabled: boolean, ctx: RequestContext): Promise<GovernanceRule> {
    const row = await this.#changeable(id, ctx);
    const now = this.#d.clock.now();
    await this.#d.rules.update(id, { enabled: enabled ? 1 : 0, updated_at: now });
    const updated = { ...row, enabled, updated_at: now };
    await this.#audit(ctx, enabled ? "governance.rule_enabled" : "governance.rule_disabled", updated, {
      name: row.name,
      version: row.current_version,
    });
    return toRule(updated, await this.#version(row, row.current_version));
  }

  /**
   * Creates the recommended rules (`RECOMMENDED_RULES`) in a team or organisation-wide, skipping
   * those whose name is taken there already; answers the rules created.
   */
  async installRecommended(teamId: string | null, ctx: RequestContext): Promise<{ items: GovernanceRule[] }> {
    const principal = requirePrincipal(ctx);
    if (teamId === null)
      this.#assertOrgWide(principal, "governance:manage", "Installing organisation-wide rules");
    else assertMayIn(principal, "governance:manage", teamId, "Installing rules here");
    const fresh = RECOMMENDED_RULES.map((spec) => ({
      ...this.#newRule(teamId, spec, true, principal.userId),
      spec,
    }));
    let added: NewRule[];
    try {
      // Checked and inserted under the scope's lock: concurrent installs add each rule once.
      added = await this.#d.rules.insertMissing(
        teamId,
        fresh.map(({ row, version }) => ({ rule: { ...row, enabled: 1 }, version })),
      );
    } catch (error) {
      throw teamGone(error, teamId);
    }
    const addedIds = new Set(added.map((a) => a.rule.id));
    const items: GovernanceRule[] = [];
    for (const { row, version, spec } of fresh) {
      if (!addedIds.has(row.id)) continue;
      await this.#audit(ctx, "governance.rule_created", row, {
        name: row.name,
        version: 1,
        ...summaryOf(spec),
      });
      items.push(toRule(row, version));
    }
    return { items };
  }

  /** A new rule's row and first version, not yet stored. */
  #newRule(
    teamId: string | null,
    spec: RuleSpec,
    enabled: boolean,
    userId: string,
  ): { row: RuleRow; version: Insertable<GovernanceRuleVersionsTable> & RuleVersionRow } {
    const now = this.#d.clock.now();
    const row: RuleRow = {
      id: newId(),
      team_id: teamId,
      name: spec.name,
      current_version: 1,
      enabled,
      created_by: userId,
      created_at: now,
      updated_at: now,
    };
    const version = { rule_id: row.id, version: 1, spec: toJson(spec), created_by: userId, created_at: now };
    return { row, version };
  }

  /** Deletes a rule with its versions. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#changeable(id, ctx);
    await this.#d.rules.delete(id);
    await this.#audit(ctx, "governance.rule_deleted", row, { name: row.name, version: row.current_version });
  }

  /**
   * What each rule would do to `text`: the enabled rules the caller sees (organisation-wide ones
   * and those of `teamId`, or of all the caller's teams), or exactly `ruleIds` (enabled or not).
   * Answers offsets and fingerprints, never the matched text.
   * @throws AppError `team.not_found`, `auth.forbidden`, `governance.rule_not_found`.
   */
  async dryRun(input: DryRunRequest, ctx: RequestContext): Promise<DryRunResult> {
    const principal = requirePrincipal(ctx);
    if (input.teamId) assertMayIn(principal, "governance:read", input.teamId, "Trying this team's rules");
    let rows: RuleRow[];
    if (input.ruleIds) {
      rows = [];
      for (const id of new Set(input.ruleIds)) {
        const row = await this.#visible(id, principal);
        if (input.teamId && row.team_id !== null && row.team_id !== input.teamId)
          throw new AppError("governance.rule_not_found", `No rule ${id} in team ${input.teamId}`);
        rows.push(row);
      }
    } else {
      rows = (
        await this.#d.rules.list({
          teamIds: input.teamId ? [input.teamId] : teamsWhere(principal, "governance:read"),
          orgWide: can(principal, "governance:read", null),
        })
      ).filter((row) => Boolean(row.enabled));
    }
    const current = await this.#currentOf(rows);
    const results: DryRunResult["rules"] = [];
    const toRedact: DetectorMatch[] = [];
    for (const row of rows) {
      const version = current(row);
      const spec = specOf(version);
      const found: DetectorMatch[] = [];
      for (const detector of detectorsOf(spec)) found.push(...(await detector.detect(input.text)));
      found.sort(byPosition);
      if (spec.action === "redact") toRedact.push(...found);
      results.push({
        id: row.id,
        name: spec.name,
        version: version.version,
        tier: spec.tier,
        action: spec.action,
        matches: found.map((m) => ({
          detector: m.detector,
          kind: m.kind,
          start: m.start,
          end: m.end,
          fingerprint: fingerprint(input.text, m),
        })),
      });
    }
    return { rules: results, redactedText: redact(input.text, toRedact.sort(byPosition)).text };
  }

  async #currentOf(rows: readonly RuleRow[]): Promise<(row: RuleRow) => RuleVersionRow> {
    const versions = new Map(
      (await this.#d.rules.currentVersions(rows.map((r) => r.id))).map((v) => [v.rule_id, v]),
    );
    return (row) => {
      const version = versions.get(row.id);
      if (!version) throw new Error(`rule ${row.id} has no version ${row.current_version}`);
      return version;
    };
  }

  async #version(row: RuleRow, version: number): Promise<RuleVersionRow> {
    const found = await this.#d.rules.findVersion(row.id, version);
    if (!found)
      throw new AppError("governance.rule_version_not_found", `Rule ${row.id} has no version ${version}`);
    return found;
  }

  async #visible(id: string, principal: Principal): Promise<RuleRow> {
    const row = await this.#d.rules.find(id);
    if (!row || !sees(principal, row)) throw new AppError("governance.rule_not_found", `No rule ${id}`);
    return row;
  }

  async #changeable(id: string, ctx: RequestContext): Promise<RuleRow> {
    const principal = requirePrincipal(ctx);
    const row = await this.#visible(id, principal);
    if (!can(principal, "governance:manage", row.team_id))
      throw new AppError("auth.forbidden", "Changing this rule needs the governance:manage permission", {
        details: { permission: "governance:manage" },
      });
    return row;
  }

  #assertOrgWide(principal: Principal, permission: "governance:manage", what: string): void {
    if (!can(principal, permission, null))
      throw new AppError("auth.forbidden", `${what} needs the global ${permission} permission`, {
        details: { permission },
      });
  }

  async #audit(ctx: RequestContext, action: string, row: RuleRow, summary: Record<string, unknown>) {
    this.#d.onChange?.();
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "governance_rule", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}

/** Builds every detector of a spec. @throws InvalidDetectorError. */
function detectorsOf(spec: RuleSpec): Detector[] {
  return (spec.condition.detectors ?? []).map((d) => buildDetector(d));
}

/** @throws AppError `validation.failed` naming the detector that cannot be built and why. */
function assertBuildable(spec: RuleSpec): void {
  (spec.condition.detectors ?? []).forEach((d, index) => {
    try {
      buildDetector(d);
    } catch (error) {
      if (!(error instanceof InvalidDetectorError)) throw error;
      throw new AppError("validation.failed", `Detector ${index + 1} (${d.type}): ${error.message}`, {
        details: { path: `spec.condition.detectors.${index}`, reason: error.message },
        cause: error,
      });
    }
  });
}

/** A foreign key violation on insert: the team was deleted since the caller's memberships were read. */
function teamGone(error: unknown, teamId: string | null): unknown {
  return isForeignKeyViolation(error)
    ? new AppError("team.not_found", `No team ${teamId ?? ""}`, { cause: error })
    : error;
}

function conflict(row: RuleRow, expected: number): AppError {
  return new AppError(
    "governance.rule_version_conflict",
    `Rule ${row.id} changed: it is at version ${row.current_version}, not ${expected}; reload it and edit again`,
    { details: { currentVersion: row.current_version } },
  );
}

/** What an audit entry says of a spec: its shape, not its patterns or words. */
function summaryOf(spec: RuleSpec): Record<string, unknown> {
  return {
    tier: spec.tier,
    action: spec.action,
    detectors: (spec.condition.detectors ?? []).map((d) => d.type),
    conditions: Object.keys(spec.condition).filter((k) => k !== "detectors"),
  };
}

/**
 * A team's rule: the team's members who may read rules there (through a key bound to it, if
 * any). An organisation-wide rule: whoever holds `governance:read` globally.
 */
function sees(principal: Principal, row: RuleRow): boolean {
  if (row.team_id === null) return can(principal, "governance:read", null);
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== row.team_id) return false;
  return principal.teams.has(row.team_id) && can(principal, "governance:read", row.team_id);
}
