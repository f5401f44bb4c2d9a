import type { UsageReport } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { BarChart } from "../../components/ui/bar-chart.tsx";
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
          <option value="assistant">assistant</option>
        </select>
      </label>
      {rows.length === 0 && !usage.isPending && <p className="muted">No AI calls yet.</p>}
      {rows.length > 0 && (
        <BarChart
          label={`Tokens by ${groupBy}`}
          series={["input tokens", "output tokens"]}
          bars={
            groupBy === "day"
              ? lastDays(14, rows).map(([day, r]) => ({
                  label: day.slice(5),
                  values: [r?.inputTokens ?? 0, r?.outputTokens ?? 0],
                }))
              : rows.map((r) => ({ label: r.key, values: [r.inputTokens, r.outputTokens] }))
          }
        />
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
              <td>${r.cost.toFixed(4)}</td>
              <td>{r.avgTtftMs === null ? "—" : `${r.avgTtftMs} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

/** The last `n` days (UTC, oldest first) with each day's row, so quiet days show as gaps. */
function lastDays<R extends { key: string }>(n: number, rows: R[]): [string, R | undefined][] {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const today = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const day = new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return [day, byDay.get(day)];
  });
}
