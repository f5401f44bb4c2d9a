import type { UsageReport } from "@parley/contracts";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { BarChart } from "../../components/ui/bar-chart.tsx";
import { Panel } from "./panel.tsx";
import { RangeFields } from "../../components/range-fields.tsx";
import { costText, daysOf, lastDays, toQuery, type DayRange } from "../../components/report-range.ts";

type GroupBy = UsageReport["groupBy"];

/** Tokens and cost by day, model, user, team, assistant or channel over any range, as a chart and a table. */
export function UsagePanel() {
  const [groupBy, setGroupBy] = useState<GroupBy>("day");
  const [range, setRange] = useState<DayRange>(() => lastDays(14));
  const params = new URLSearchParams({ groupBy, ...toQuery(range) });
  const usage = useQuery({
    queryKey: ["usage", groupBy, range],
    queryFn: () => api<UsageReport>(`/api/v1/usage?${params.toString()}`),
    placeholderData: keepPreviousData,
  });
  const rows = usage.data?.rows ?? [];
  const totals = usage.data?.totals;
  const byDay = new Map(rows.map((r) => [r.key, r]));
  return (
    <Panel title="Usage" loading={usage.isPending} error={usage.error}>
      <div className="row filters">
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
            <option value="channel">channel</option>
          </select>
        </label>
        <RangeFields range={range} onChange={setRange} quick />
      </div>
      {rows.length === 0 && !usage.isPending && <p className="muted">No AI calls in this range.</p>}
      {rows.length > 0 && (
        <BarChart
          label={`Tokens by ${groupBy}`}
          series={["input tokens", "output tokens"]}
          bars={
            groupBy === "day"
              ? daysOf(range).map((d) => ({
                  label: d.slice(5),
                  values: [byDay.get(d)?.inputTokens ?? 0, byDay.get(d)?.outputTokens ?? 0],
                }))
              : rows.map((r) => ({ label: r.label, values: [r.inputTokens, r.outputTokens] }))
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
              <th scope="row" title={r.key}>
                {r.label}
              </th>
              <td>{r.requests}</td>
              <td>{r.failures}</td>
              <td>{r.inputTokens}</td>
              <td>{r.outputTokens}</td>
              <td>{costText(r.cost, r.requests, r.unpricedRequests)}</td>
              <td>{r.avgTtftMs === null ? "—" : `${r.avgTtftMs} ms`}</td>
            </tr>
          ))}
        </tbody>
        {totals && rows.length > 1 && (
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td>{totals.requests}</td>
              <td>{totals.failures}</td>
              <td>{totals.inputTokens}</td>
              <td>{totals.outputTokens}</td>
              <td>{costText(totals.cost, totals.requests, totals.unpricedRequests)}</td>
              <td>{totals.avgTtftMs === null ? "—" : `${totals.avgTtftMs} ms`}</td>
            </tr>
          </tfoot>
        )}
      </table>
      {totals && totals.unpricedRequests > 0 && (
        <p className="muted">
          Calls to models without a price are counted but not priced: set prices under Models to see their
          cost.
        </p>
      )}
    </Panel>
  );
}
