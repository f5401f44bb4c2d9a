import type { GovernanceRule, RuleAction, RuleTier } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useNavigate } from "react-router";
import { ApiError } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { placesToCreateRules } from "./governance-access.ts";
import { FieldError, invalidProps } from "./field-error.tsx";
import { ApprovalTimeoutField, tierNote } from "./rule-action-fields.tsx";
import { actionRefusal } from "./rule-condition-draft.ts";
import { DetectorFieldset } from "./rule-detector-fields.tsx";
import { draftOf, specOf, validateDraft, type FieldErrors, type RuleDraft } from "./rule-draft.ts";
import { ACTION_HINTS, ACTION_LABELS, ACTIONS, TIER_LABELS, TIERS } from "./rule-labels.ts";
import { LimitFields } from "./rule-limit-fields.tsx";
import { ScopeFieldset } from "./rule-scope-fields.tsx";
import { ruleKeys, rulesApi } from "./rules-api.ts";
import { serverFieldErrors } from "./server-field-errors.ts";

/** Where a new rule goes: "" organisation-wide, else a team's id. */
function firstPlace(places: ReturnType<typeof placesToCreateRules>): string {
  return places.teams[0]?.id ?? "";
}

/** Takes a person to the first field that says what is wrong, once it is drawn. */
function focusFirstInvalid(): void {
  requestAnimationFrame(() => {
    document.querySelector<HTMLElement>(".rule-editor [aria-invalid=true]")?.focus();
  });
}

/** The 409 of an edit made from an older version: what happened, and a way to start again. */
function Conflict({ error, onReload }: { error: ApiError; onReload: () => void }) {
  const details = error.details as { currentVersion?: number } | undefined;
  return (
    <div role="alert" className="notice notice-warn conflict">
      <strong>Someone changed this rule meanwhile</strong>
      <p>
        It is now at version {details?.currentVersion ?? "newer"}, and your edit was made from an older one,
        so it was not saved. Reload the rule to see the newest version (your changes here are replaced), then
        make your change again.
      </p>
      <button type="button" onClick={onReload}>
        Reload the rule
      </button>
    </div>
  );
}

/**
 * Creates a rule (in one of your teams or organisation-wide), or saves a new version of `rule`
 * made from the version it shows; `onReload` fetches the newest version after a conflict.
 */
export function RuleEditor({
  rule,
  onReload,
}: {
  rule: GovernanceRule | null;
  onReload?: () => Promise<GovernanceRule | undefined>;
}) {
  const me = useMe().data;
  const places = placesToCreateRules(me);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<RuleDraft>(() => draftOf(rule?.spec ?? null));
  const [baseVersion, setBaseVersion] = useState(rule?.currentVersion ?? 0);
  const [place, setPlace] = useState(() => firstPlace(places));
  const [checked, setChecked] = useState<FieldErrors | null>(null);
  const teamId = rule ? rule.teamId : place || null;
  const set = (patch: Partial<RuleDraft>) => {
    const next = { ...draft, ...patch };
    setDraft(next);
    // Once a save was tried, the messages follow the fields as they are corrected.
    if (checked) setChecked(validateDraft(next));
  };
  const save = useMutation({
    mutationFn: () =>
      rule
        ? rulesApi.update(rule.id, { expectedVersion: baseVersion, spec: specOf(draft) })
        : rulesApi.create({ ...(place ? { teamId: place } : {}), spec: specOf(draft) }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(ruleKeys.one(saved.id), saved);
      await queryClient.invalidateQueries({ queryKey: ruleKeys.all });
      setBaseVersion(saved.currentVersion);
      if (!rule) await navigate(`/governance/rules/${saved.id}`);
    },
    onError: focusFirstInvalid,
  });
  const conflict =
    save.error instanceof ApiError && save.error.code === "governance.rule_version_conflict"
      ? save.error
      : null;
  const errors: FieldErrors = { ...serverFieldErrors(save.error), ...(checked ?? {}) };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    const found = validateDraft(draft);
    setChecked(found);
    if (Object.keys(found).length === 0) save.mutate();
    else focusFirstInvalid();
  };
  const reload = async () => {
    const fresh = await onReload?.();
    if (!fresh) return;
    setDraft(draftOf(fresh.spec));
    setBaseVersion(fresh.currentVersion);
    setChecked(null);
    save.reset();
  };
  const field = (key: "name" | "description") => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => {
      set({ [key]: e.target.value });
    },
    ...invalidProps(errors, key),
  });
  const fieldProblems = Object.keys(errors).some((key) => key !== "");
  const formError = errors[""] ?? (save.error && !conflict && !fieldProblems ? errorText(save.error) : null);
  return (
    <form
      className="stack-form rule-editor"
      noValidate
      onSubmit={submit}
      aria-label={rule ? "Edit the rule" : "New rule"}
    >
      <label>
        Name
        <input maxLength={100} {...field("name")} />
      </label>
      <FieldError errors={errors} at="name" />
      <label>
        Description
        <textarea
          rows={2}
          maxLength={2000}
          placeholder="Why the rule exists, and whom to ask about it"
          {...field("description")}
        />
      </label>
      <FieldError errors={errors} at="description" />
      <div className="form-row">
        {!rule && (
          <label>
            Where
            <select
              value={place}
              onChange={(e) => {
                setPlace(e.target.value);
                set({ projectId: "" });
              }}
            >
              {places.teams.map((t) => (
                <option key={t.id} value={t.id}>
                  Team {t.name}
                </option>
              ))}
              {places.orgWide && <option value="">Organisation-wide</option>}
            </select>
          </label>
        )}
        <label>
          Tier
          <select
            value={draft.tier}
            onChange={(e) => {
              set({ tier: e.target.value as RuleTier });
            }}
          >
            {TIERS.map((t) => (
              <option key={t} value={t}>
                {TIER_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <select
            value={draft.action}
            aria-describedby="rule-action-hint"
            onChange={(e) => {
              set({ action: e.target.value as RuleAction });
            }}
          >
            {ACTIONS.map((a) => (
              <option
                key={a}
                value={a}
                disabled={a !== draft.action && actionRefusal(a, draft.tier) !== null}
              >
                {ACTION_LABELS[a]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {["teamId", "tier", "action"].map((key) => (
        <FieldError key={key} errors={errors} at={key} />
      ))}
      <p className="muted small-text" id="rule-action-hint">
        {ACTION_HINTS[draft.action]} {tierNote(draft.tier)}
      </p>
      {draft.action === "require_approval" && (
        <ApprovalTimeoutField
          value={draft.approvalTimeout}
          errors={errors}
          onChange={(approvalTimeout) => {
            set({ approvalTimeout });
          }}
        />
      )}
      <ScopeFieldset draft={draft} teamId={teamId} errors={errors} onChange={set} />
      <DetectorFieldset
        detectors={draft.detectors}
        errors={errors}
        onChange={(detectors) => {
          set({ detectors });
        }}
      >
        <LimitFields
          limits={draft.limits}
          tier={draft.tier}
          errors={errors}
          onChange={(limits) => {
            set({ limits });
          }}
        />
      </DetectorFieldset>
      <div>
        <label className="check">
          <input
            type="checkbox"
            checked={draft.failOpen}
            aria-describedby="rule-fail-open-hint"
            onChange={(e) => {
              set({ failOpen: e.target.checked });
            }}
          />
          Fail open: let the call through if a detector fails
        </label>
        <FieldError errors={errors} at="failOpen" />
        <p className="muted small-text" id="rule-fail-open-hint">
          A detector that errors (a pattern that takes too long, say) blocks the call, so nothing the rule
          should catch slips through. Fail open only where a missed match is acceptable, such as a rule that
          warns or records.
        </p>
      </div>
      {conflict && <Conflict error={conflict} onReload={() => void reload()} />}
      {fieldProblems && (
        <Alert>Some fields need a change before the rule can be saved; each says what beside it.</Alert>
      )}
      <Alert>{formError}</Alert>
      <div className="button-row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : rule ? "Save as a new version" : "Create rule"}
        </button>
        {save.isSuccess && rule && (
          <span className="muted small-text" role="status">
            Saved as version {save.data.currentVersion}.
          </span>
        )}
      </div>
    </form>
  );
}
