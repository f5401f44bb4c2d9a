import type { RuleSpec } from "@parley/contracts";
import { specFields } from "./rule-diff.ts";

/** A rule's spec, read-only: every field as the editor names it. */
export function RuleView({
  spec,
  label,
  projectName,
}: {
  spec: RuleSpec;
  label: string;
  projectName?: (id: string) => string;
}) {
  return (
    <dl className="facts rule-facts" aria-label={label}>
      {specFields(spec, projectName).map((f) => (
        <div key={f.label} className="fact">
          <dt>{f.label}</dt>
          <dd>{f.value || <span className="muted">(none)</span>}</dd>
        </div>
      ))}
    </dl>
  );
}
