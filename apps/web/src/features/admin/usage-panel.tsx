import type { UsageReport } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Panel } from "./panel.tsx";

type GroupBy = UsageReport["groupBy"];

/** Tokens and cost by day, model, user or team, as a bar chart and a table. */
export function UsagePanel() {
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const usage = useQuery({
    queryKey: ["usage", groupBy],
    queryFn: () => api<UsageReport>(`/api/v1/usage?groupBy=${groupBy}`),
  });
  const rows = usage.data?.rows ?? [];
  const max = Math.max(1, ...rows.map((r) => r.inputTokens + r.outputTokens));
  return (
    <Panel title="Usage" loading={usage.isPending} error={usage.error}>
      <label>
        Group by{" "}
        <select
          value={groupBy}
          onChange={(e) => {
            setGroupBy(e.target.value as GroupBy);
          }}
        >
          <option value="day">day</option>
          <option value="model">model</option>
          <option value="user">user</option>
          <option value="team">team</option>
        </select>
      </label>
      {rows.length === 0 && !usage.isPending && <p className="muted">No AI calls yet.</p>}
      {rows.length > 0 && (
        <svg
          className="chart"
          role="img"
          aria-label={`Tokens by ${groupBy}`}
          viewBox={`0 0 ${rows.length * 40} 120`}
          preserveAspectRatio="none"
        >
          {rows.map((r, i) => {
            const h = ((r.inputTokens + r.outputTokens) / max) * 110;
            return (
              <rect key={r.key} x={i * 40 + 6} y={115 - h} width={28} height={h} rx={3}>
                <title>{`${r.key}: ${r.inputTokens + r.outputTokens} tokens`}</title>
              </rect>
            );
          })}
        </svg>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">{groupBy}</th>
            <th scope="col">Requests</th>
            <th scope="col">Failures</th>
            <th scope="col">Input tokens</th>
            <th scope="col">Output tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Avg first token</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.key}</th>
              <td>{r.requests}</td>
              <td>{r.failures}</td>
              <td>{r.inputTokens}</td>
              <td>{r.outputTokens}</td>
              <td>{r.cost.toFixed(4)}</td>
              <td>{r.avgTtftMs === null ? "—" : `${r.avgTtftMs} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
