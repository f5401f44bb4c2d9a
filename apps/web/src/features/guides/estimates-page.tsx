import { useQuery } from "@tanstack/react-query";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { formatMinutes, STATUS_LABELS } from "./guide-progress.ts";
import { estimateReport, guideKeys } from "./guides-api.ts";
import { useGuideTeam } from "./use-guide-team.ts";

/**
 * How far the team's estimates were from what its finished tasks took: the calibration factor the
 * estimates are corrected by, and the error per guide.
 */
export function EstimatesPage() {
  const { teamId } = useGuideTeam();
  const report = useQuery({
    queryKey: guideKeys.report(teamId ?? ""),
    queryFn: () => estimateReport(teamId ?? ""),
    enabled: teamId !== null,
  });
  const data = report.data;
  return (
    <section className="panel guides" aria-labelledby="estimates-title">
      <h1 id="estimates-title">Estimates</h1>
      <Alert>{report.error ? errorText(report.error) : null}</Alert>
      {report.isPending && teamId !== null && <p className="muted">Loading…</p>}
      {data && (
        <>
          <p>
            {data.samples === 0
              ? "No finished task with an estimate and a measured time yet: estimates are not calibrated. Start a task before ticking it to measure it."
              : `Tasks took ${data.factor.toFixed(2)}× their estimate (median of ${data.samples} finished tasks); calibrated estimates are multiplied by it.`}
          </p>
          {data.guides.length > 0 && (
            <table>
              <caption className="visually-hidden">Estimates against actual time, per guide</caption>
              <thead>
                <tr>
                  <th scope="col">Guide</th>
                  <th scope="col">Status</th>
                  <th scope="col">Estimated</th>
                  <th scope="col">Took</th>
                  <th scope="col">Mean error</th>
                </tr>
              </thead>
              <tbody>
                {data.guides.map((g) => (
                  <tr key={g.guideId}>
                    <td>{g.title}</td>
                    <td>{STATUS_LABELS[g.status]}</td>
                    <td>{formatMinutes(g.estimatedMinutes)}</td>
                    <td>{formatMinutes(g.actualMinutes)}</td>
                    <td>
                      {g.meanAbsolutePercentError === null
                        ? "—"
                        : `${Math.round(g.meanAbsolutePercentError * 100)}% (${g.measuredTasks} tasks)`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
