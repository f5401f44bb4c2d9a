import type { Prompt } from "@parley/contracts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { approval, dollars } from "./prompt-form.ts";
import { useStats } from "./use-prompts.ts";

/** Per version: calls, failure rate, tokens, cost and thumbs, to compare the two sides of an A/B split. */
export function PromptStatsTable({ prompt }: { prompt: Prompt }) {
  const stats = useStats(prompt.id);
  const split = prompt.labels.find((l) => l.versions.length === 2);
  return (
    <div className="prompt-section">
      <h2>Usage by version</h2>
      {split && (
        <p className="muted">
          <code>{split.label}</code> splits traffic:{" "}
          {split.versions.map((v) => `v${v.version} ${v.weight}`).join(" / ")} (each user always gets the same
          version).
        </p>
      )}
      {stats.isError && <Alert>{errorText(stats.error)}</Alert>}
      {stats.data && stats.data.versions.length === 0 ? (
        <p className="muted">
          No calls yet{prompt.kind === "template" ? " (templates are rendered, not called)" : ""}.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Calls</th>
              <th scope="col">Failure rate</th>
              <th scope="col">Tokens in / out</th>
              <th scope="col">Cost</th>
              <th scope="col">Thumbs up / down</th>
            </tr>
          </thead>
          <tbody>
            {stats.data?.versions.map((v) => {
              const liked = approval(v);
              return (
                <tr key={v.version}>
                  <td>v{v.version}</td>
                  <td>{v.calls}</td>
                  <td>
                    {(v.failureRate * 100).toFixed(1)}% ({v.failures})
                  </td>
                  <td>
                    {v.inputTokens} / {v.outputTokens}
                  </td>
                  <td>{dollars(v.costMicros)}</td>
                  <td>
                    {v.thumbsUp} / {v.thumbsDown}
                    {liked !== null && ` (${Math.round(liked * 100)}% up)`}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
