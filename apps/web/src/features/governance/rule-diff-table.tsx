import type { GovernanceRuleVersion } from "@parley/contracts";
import { useState } from "react";
import { compareSpecs } from "./rule-diff.ts";

function VersionSelect({
  label,
  value,
  versions,
  onChange,
}: {
  label: string;
  value: number;
  versions: readonly GovernanceRuleVersion[];
  onChange: (version: number) => void;
}) {
  return (
    <label>
      {label}
      <select
        value={value}
        onChange={(e) => {
          onChange(Number(e.target.value));
        }}
      >
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            Version {v.version}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Two versions side by side, field by field; by default the newest and the one before it. */
export function RuleDiff({
  versions,
  projectName,
}: {
  versions: readonly GovernanceRuleVersion[];
  projectName?: (id: string) => string;
}) {
  const [from, setFrom] = useState(versions[1]?.version ?? 1);
  const [to, setTo] = useState(versions[0]?.version ?? 1);
  const [onlyChanged, setOnlyChanged] = useState(true);
  const a = versions.find((v) => v.version === from);
  const b = versions.find((v) => v.version === to);
  const rows = a && b ? compareSpecs(a.spec, b.spec, projectName) : [];
  const shown = onlyChanged ? rows.filter((r) => r.changed) : rows;
  return (
    <section aria-labelledby="compare-title" className="rule-compare">
      <h2 id="compare-title">Compare versions</h2>
      <div className="search-form">
        <VersionSelect label="From" value={from} versions={versions} onChange={setFrom} />
        <VersionSelect label="To" value={to} versions={versions} onChange={setTo} />
        <label className="check">
          <input
            type="checkbox"
            checked={onlyChanged}
            onChange={(e) => {
              setOnlyChanged(e.target.checked);
            }}
          />
          Only what changed
        </label>
      </div>
      {from === to ? (
        <p className="muted small-text">Pick two different versions.</p>
      ) : shown.length === 0 ? (
        <p className="muted small-text">
          Version {to} is the same as version {from}.
        </p>
      ) : (
        <table className="diff-table">
          <caption className="visually-hidden">
            Version {from} compared with version {to}
          </caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Version {from}</th>
              <th scope="col">Version {to}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={row.label} className={row.changed ? "changed" : undefined}>
                <th scope="row">
                  {row.label}
                  {row.changed && <span className="visually-hidden"> (changed)</span>}
                </th>
                <td className="before">
                  {row.before ? row.before : <span className="muted">(not set)</span>}
                </td>
                <td className="after">{row.after ? row.after : <span className="muted">(not set)</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
