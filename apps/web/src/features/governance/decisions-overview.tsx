import type { DecisionSummary } from "@parley/contracts";
import { BarChart } from "../../components/ui/bar-chart.tsx";
import { useMe } from "../auth/use-me.ts";
import { teamLabel } from "./approval-card.tsx";
import { dayBars, DECISION_LABELS } from "./decision-summary.ts";

/** A ranked list with a bar per row, the longest the top count. */
function TopList({ title, rows }: { title: string; rows: { key: string; label: string; count: number }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <section className="top-list" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted small-text">None.</p>
      ) : (
        <ol>
          {rows.slice(0, 8).map((r) => (
            <li key={r.key}>
              <span className="top-label">{r.label}</span>
              <span className="top-bar" aria-hidden="true">
                <span style={{ width: `${(r.count / max) * 100}%` }} />
              </span>
              <span className="top-count">{r.count.toLocaleString()}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** Decisions by day stacked by action, and the rules and teams that decided most. */
export function DecisionsOverview({ summary }: { summary: DecisionSummary }) {
  const me = useMe().data;
  const { series, bars } = dayBars(summary);
  return (
    <div className="decisions-overview">
      {/* Scrolls sideways when the days do not fit, so it takes the focus (arrows scroll it). */}
      <div className="decision-chart" tabIndex={0} role="group" aria-label="Decisions by day, by action">
        <BarChart
          label="Decisions by day"
          series={series.map((a) => DECISION_LABELS[a])}
          seriesClasses={series.map((a) => `chart-${a}`)}
          bars={bars}
        />
      </div>
      <div className="top-lists">
        <TopList
          title="Top rules"
          rows={summary.byRule.map((r) => ({ key: r.ruleId, label: r.ruleName, count: r.count }))}
        />
        <TopList
          title="Top teams"
          rows={summary.byTeam.map((t) => ({
            key: t.teamId ?? "none",
            label: teamLabel(me, t.teamId),
            count: t.count,
          }))}
        />
      </div>
    </div>
  );
}
