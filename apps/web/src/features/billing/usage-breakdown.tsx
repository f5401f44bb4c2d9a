import type { UsageReport } from "@parley/contracts";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { api } from "../../api.ts";
import { BarChart } from "../../components/ui/bar-chart.tsx";
import { errorText } from "../../failures.ts";
import { costText, daysOf, toQuery, type DayRange } from "../../components/report-range.ts";
import { RangeFields } from "../../components/range-fields.tsx";

/** Quick ranges and the date fields of a report, in a row of their own. */
export function RangePicker({ range, onChange }: { range: DayRange; onChange: (range: DayRange) => void }) {
  return (
    <div className="row filters">
      <RangeFields range={range} onChange={onChange} quick />
    </div>
  );
}

/**
 * One usage report (everyone's from `/api/v1/usage`, or one's own from `/api/v1/me/usage`) as a
 * chart of tokens and a table with requests and cost, with its loading, error and empty states.
 * @example <UsageBreakdown title="By channel" source="/api/v1/me/usage" groupBy="channel" range={range} />
 */
export function UsageBreakdown({
  title,
  source,
  groupBy,
  range,
}: {
  title: string;
  source: "/api/v1/usage" | "/api/v1/me/usage";
  groupBy: "day" | "channel" | "assistant" | "model";
  range: DayRange;
}) {
  const headingId = useId();
  const params = new URLSearchParams({ groupBy, ...toQuery(range) });
  const report = useQuery({
    queryKey: ["billing", "usage", source, groupBy, range],
    queryFn: () => api<UsageReport>(`${source}?${params.toString()}`),
    placeholderData: keepPreviousData,
  });
  const rows = report.data?.rows ?? [];
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const what = groupBy === "day" ? "day" : groupBy === "channel" ? "channel" : groupBy;
  return (
    <section aria-labelledby={headingId} className="usage-breakdown">
      <h3 id={headingId}>{title}</h3>
      {report.isPending && <p className="muted">Loading…</p>}
      {report.error && (
        <p role="alert" className="error">
          {errorText(report.error)}
        </p>
      )}
      {report.data && rows.length === 0 && <p className="muted">No AI calls in this range.</p>}
      {rows.length > 0 && (
        <>
          <BarChart
            label={`Tokens by ${what}`}
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
          <table>
            <thead>
              <tr>
                <th scope="col">{`${what.charAt(0).toUpperCase()}${what.slice(1)}`}</th>
                <th scope="col">Requests</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key}>
                  <th scope="row" title={r.key}>
                    {r.label}
                  </th>
                  <td>{r.requests}</td>
                  <td>
                    {r.inputTokens.toLocaleString()} / {r.outputTokens.toLocaleString()}
                  </td>
                  <td>{costText(r.cost, r.requests, r.unpricedRequests)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
