import type { RuleTier } from "@parley/contracts";
import { CONDITION_TIERS } from "@parley/contracts";
import { FieldError, invalidProps } from "./field-error.tsx";
import { conditionApplies, type LimitKey, type LimitsDraft } from "./rule-condition-draft.ts";
import type { FieldErrors } from "./rule-draft.ts";
import { TIER_LABELS } from "./rule-labels.ts";

/** Where a condition is checked, in words, for the hint of a control its tier does not check. */
function onlyIn(key: LimitKey): string {
  return `Checked only ${CONDITION_TIERS[key].map((t) => TIER_LABELS[t].toLowerCase()).join(" or ")}; not saved with this tier.`;
}

/** A hint under a control: what it does where it applies, else where it would. */
function Hint({ id, applies, keyOf, text }: { id: string; applies: boolean; keyOf: LimitKey; text: string }) {
  return (
    <p className="muted small-text" id={id}>
      {applies ? text : onlyIn(keyOf)}
    </p>
  );
}

function NumberField({
  keyOf,
  label,
  value,
  tier,
  errors,
  hint,
  step,
  onChange,
}: {
  keyOf: "maxInputTokens" | "maxOutputTokens" | "maxCostMicros";
  label: string;
  value: string;
  tier: RuleTier;
  errors: FieldErrors;
  hint: string;
  step?: string;
  onChange: (value: string) => void;
}) {
  const at = `condition.${keyOf}`;
  const applies = conditionApplies(keyOf, tier);
  const hintId = `rule-hint-${keyOf}`;
  const invalid = invalidProps(errors, at);
  return (
    <div className="limit-field">
      <label>
        {label}
        <input
          inputMode={step ? "decimal" : "numeric"}
          value={value}
          disabled={!applies}
          aria-describedby={[hintId, invalid["aria-describedby"]].filter(Boolean).join(" ")}
          aria-invalid={invalid["aria-invalid"]}
          onChange={(e) => {
            onChange(e.target.value);
          }}
        />
      </label>
      <FieldError errors={errors} at={at} />
      <Hint id={hintId} applies={applies} keyOf={keyOf} text={hint} />
    </div>
  );
}

/**
 * The conditions besides detectors: allowed models, token and cost limits, valid JSON. Each is
 * enabled only in the tiers that check it (`CONDITION_TIERS`); a disabled one is not saved.
 */
export function LimitFields({
  limits,
  tier,
  errors,
  onChange,
}: {
  limits: LimitsDraft;
  tier: RuleTier;
  errors: FieldErrors;
  onChange: (limits: LimitsDraft) => void;
}) {
  const set = (patch: Partial<LimitsDraft>) => {
    onChange({ ...limits, ...patch });
  };
  const models = conditionApplies("allowedModels", tier);
  const json = conditionApplies("requireValidJson", tier);
  const modelsInvalid = invalidProps(errors, "condition.allowedModels");
  return (
    <fieldset className="limit-fields">
      <legend>Model and size</legend>
      <div className="limit-field wide">
        <label>
          Allowed models, one per line
          <textarea
            rows={3}
            className="code-input"
            spellCheck={false}
            value={limits.allowedModels}
            disabled={!models}
            placeholder="openai/gpt-4o-mini"
            aria-describedby={["rule-hint-allowedModels", modelsInvalid["aria-describedby"]]
              .filter(Boolean)
              .join(" ")}
            aria-invalid={modelsInvalid["aria-invalid"]}
            onChange={(e) => {
              set({ allowedModels: e.target.value });
            }}
          />
        </label>
        <FieldError errors={errors} at="condition.allowedModels" />
        <Hint
          id="rule-hint-allowedModels"
          applies={models}
          keyOf="allowedModels"
          text="Matches a call to any model not listed (ids or aliases, as the caller names the model). Empty: not checked."
        />
      </div>
      <NumberField
        keyOf="maxInputTokens"
        label="Max input tokens"
        value={limits.maxInputTokens}
        tier={tier}
        errors={errors}
        hint="Matches a prompt estimated above this (4 characters a token)."
        onChange={(maxInputTokens) => {
          set({ maxInputTokens });
        }}
      />
      <NumberField
        keyOf="maxOutputTokens"
        label="Max output tokens"
        value={limits.maxOutputTokens}
        tier={tier}
        errors={errors}
        hint="Matches an answer above this: as it streams (during), or as the provider counted (after)."
        onChange={(maxOutputTokens) => {
          set({ maxOutputTokens });
        }}
      />
      <NumberField
        keyOf="maxCostMicros"
        label="Max cost per call"
        value={limits.maxCost}
        tier={tier}
        errors={errors}
        step="0.000001"
        hint="In the price table's currency, such as 0.05; stored in millionths (micro-units)."
        onChange={(maxCost) => {
          set({ maxCost });
        }}
      />
      <div className="limit-field wide">
        <label className="check">
          <input
            type="checkbox"
            checked={limits.requireValidJson}
            disabled={!json}
            aria-describedby="rule-hint-requireValidJson"
            onChange={(e) => {
              set({ requireValidJson: e.target.checked });
            }}
          />
          Require valid JSON
        </label>
        <FieldError errors={errors} at="condition.requireValidJson" />
        <Hint
          id="rule-hint-requireValidJson"
          applies={json}
          keyOf="requireValidJson"
          text="Matches an answer that is not valid JSON when the call asked for JSON output."
        />
      </div>
    </fieldset>
  );
}
