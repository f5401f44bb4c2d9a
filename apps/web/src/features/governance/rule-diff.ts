import {
  DEFAULT_APPROVAL_TIMEOUT_SECONDS,
  type DetectorSpec,
  type RuleCondition,
  type RuleSpec,
} from "@parley/contracts";
import { unitsOf } from "./rule-condition-draft.ts";
import { ACTION_LABELS, DETECTOR_LABELS, PII_LABELS, SURFACE_LABELS, TIER_LABELS } from "./rule-labels.ts";

/** One field of a spec, in words: what a person compares between two versions. */
export interface SpecField {
  label: string;
  value: string;
}

/** One row of a comparison: the field's value in each version (empty: not set there). */
export interface FieldChange {
  label: string;
  before: string;
  after: string;
  changed: boolean;
}

const ANY = "(any)";

function detectorFields(d: DetectorSpec, n: number): SpecField[] {
  const head = `Detector ${n}`;
  const fields: SpecField[] = [{ label: head, value: DETECTOR_LABELS[d.type] }];
  switch (d.type) {
    case "secrets":
      break;
    case "pii":
      fields.push({ label: `${head}: kinds`, value: d.kinds.map((k) => PII_LABELS[k]).join(", ") });
      break;
    case "regex":
      fields.push({ label: `${head}: pattern`, value: d.pattern });
      fields.push({ label: `${head}: flags`, value: d.flags || "(none)" });
      break;
    case "keywords":
      fields.push({ label: `${head}: keywords`, value: d.words.join(", ") });
      break;
  }
  return fields;
}

/** The conditions besides detectors that a spec sets, in the editor's order. */
function limitFields(c: RuleCondition): SpecField[] {
  const fields: SpecField[] = [];
  if (c.allowedModels) fields.push({ label: "Allowed models", value: c.allowedModels.join(", ") });
  if (c.maxInputTokens !== undefined)
    fields.push({ label: "Max input tokens", value: c.maxInputTokens.toLocaleString("en") });
  if (c.maxOutputTokens !== undefined)
    fields.push({ label: "Max output tokens", value: c.maxOutputTokens.toLocaleString("en") });
  if (c.maxCostMicros !== undefined)
    fields.push({
      label: "Max cost per call",
      value: `${unitsOf(c.maxCostMicros)} (${c.maxCostMicros.toLocaleString("en")} micro-units)`,
    });
  if (c.requireValidJson) fields.push({ label: "Require valid JSON", value: "Yes" });
  return fields;
}

/**
 * A spec as labelled fields, in the order the editor shows them; `projectName` words a project id.
 * @example
 * specFields(spec)[0] // { label: "Name", value: "Redact PII" }
 */
export function specFields(spec: RuleSpec, projectName: (id: string) => string = (id) => id): SpecField[] {
  const { scope } = spec;
  return [
    { label: "Name", value: spec.name },
    { label: "Description", value: spec.description ?? "" },
    { label: "Tier", value: TIER_LABELS[spec.tier] },
    { label: "Action", value: ACTION_LABELS[spec.action] },
    { label: "Surfaces", value: scope.surfaces?.map((s) => SURFACE_LABELS[s]).join(", ") ?? ANY },
    { label: "Project", value: scope.projectId ? projectName(scope.projectId) : ANY },
    ...(scope.assistantId ? [{ label: "Assistant", value: scope.assistantId }] : []),
    { label: "Models", value: scope.models?.join(", ") ?? ANY },
    ...(spec.condition.detectors ?? []).flatMap((d, i) => detectorFields(d, i + 1)),
    ...limitFields(spec.condition),
    { label: "If a detector fails", value: spec.failOpen ? "Let the call through" : "Block the call" },
    ...(spec.action === "require_approval"
      ? [
          {
            label: "Approval timeout",
            value: `${(spec.approvalTimeoutSeconds ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS).toLocaleString("en")} s${spec.approvalTimeoutSeconds === undefined ? " (default)" : ""}`,
          },
        ]
      : []),
  ];
}

/**
 * Two versions field by field: every field either has, in the order of `after` then the fields
 * only `before` had (a removed detector), each marked changed or not.
 * @example
 * compareSpecs(v1, v2).filter((c) => c.changed)
 */
export function compareSpecs(
  before: RuleSpec,
  after: RuleSpec,
  projectName?: (id: string) => string,
): FieldChange[] {
  const old = new Map(specFields(before, projectName).map((f) => [f.label, f.value]));
  const rows: FieldChange[] = specFields(after, projectName).map((f) => {
    const was = old.get(f.label) ?? "";
    old.delete(f.label);
    return { label: f.label, before: was, after: f.value, changed: was !== f.value };
  });
  for (const [label, value] of old) rows.push({ label, before: value, after: "", changed: true });
  return rows;
}
