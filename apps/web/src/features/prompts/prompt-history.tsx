import type { Prompt } from "@parley/contracts";
import { useState } from "react";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useDiff, useVersions } from "./use-prompts.ts";

/** Every version, newest first, and the line diff between any two. */
export function PromptHistory({ prompt }: { prompt: Prompt }) {
  const versions = useVersions(prompt.id);
  const [from, setFrom] = useState(Math.max(1, prompt.currentVersion - 1));
  const [to, setTo] = useState(prompt.currentVersion);
  const diff = useDiff(prompt.id, from, to);
  const numbers = versions.data?.items.map((v) => v.version) ?? [];
  return (
    <div className="prompt-section">
      <h2>History</h2>
      {versions.isError && <Alert>{errorText(versions.error)}</Alert>}
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Name</th>
            <th scope="col">Note</th>
            <th scope="col">Saved</th>
          </tr>
        </thead>
        <tbody>
          {versions.data?.items.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{v.name}</td>
              <td>{v.note || "—"}</td>
              <td>{new Date(v.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {numbers.length > 1 && (
        <>
          <div className="inline-form">
            <label>
              Compare
              <select
                aria-label="Compare"
                value={from}
                onChange={(e) => {
                  setFrom(Number(e.target.value));
                }}
              >
                {numbers.map((n) => (
                  <option key={n} value={n}>
                    v{n}
                  </option>
                ))}
              </select>
            </label>
            <label>
              with
              <select
                aria-label="with"
                value={to}
                onChange={(e) => {
                  setTo(Number(e.target.value));
                }}
              >
                {numbers.map((n) => (
                  <option key={n} value={n}>
                    v{n}
                  </option>
                ))}
              </select>
            </label>
            {diff.data && (
              <span className="muted">
                +{diff.data.added} −{diff.data.removed} lines
              </span>
            )}
          </div>
          {from === to ? (
            <p className="muted">Pick two different versions.</p>
          ) : diff.data ? (
            <div className="diff" role="region" aria-label={`Changes from v${from} to v${to}`}>
              {diff.data.hunks.length === 0 && <div>No changes.</div>}
              {diff.data.hunks.map((h) => (
                <div key={`${h.oldStart}-${h.newStart}`}>
                  <div className="hunk">
                    @@ −{h.oldStart},{h.oldLines} +{h.newStart},{h.newLines} @@
                  </div>
                  {h.lines.map((line, i) => (
                    <div key={i} className={line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : ""}>
                      {line}
                    </div>
                  ))}
                </div>
              ))}
            </div>
          ) : diff.isError ? (
            <Alert>{errorText(diff.error)}</Alert>
          ) : null}
        </>
      )}
    </div>
  );
}
