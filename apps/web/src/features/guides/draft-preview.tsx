import type { DraftGuideResponse } from "@parley/contracts";
import { draftEstimate, draftTotals, formatEstimate, formatMinutes } from "./guide-progress.ts";

/** An AI draft to review: its sections, each task's estimate and range, and the totals. */
export function DraftPreview({ drafted }: { drafted: DraftGuideResponse }) {
  const { draft } = drafted;
  const totals = draftTotals(draft);
  const range = (t: { low: number; high: number }) => `${formatMinutes(t.low)}–${formatMinutes(t.high)}`;
  return (
    <div className="draft-preview">
      <h3>{draft.title}</h3>
      {draft.description && <p className="muted">{draft.description}</p>}
      <p className="draft-total">
        <strong>
          {totals.total.tasks} tasks · about {formatMinutes(totals.total.minutes)}
        </strong>{" "}
        <span className="muted">({range(totals.total)})</span>
      </p>
      <div className="draft-sections">
        <table>
          <caption className="visually-hidden">Drafted tasks with their estimates</caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Estimate</th>
            </tr>
          </thead>
          {draft.sections.map((section, i) => {
            const total = totals.sections[i];
            return (
              <tbody key={`${i}-${section.heading}`}>
                <tr className="draft-section-row">
                  <th scope="rowgroup">{section.heading}</th>
                  <td className="muted small-text">
                    {total ? `${formatMinutes(total.minutes)} (${range(total)})` : ""}
                  </td>
                </tr>
                {section.tasks.map((task, j) => (
                  <tr key={`${j}-${task.text}`}>
                    <td>{task.text}</td>
                    <td className="estimate">{formatEstimate(draftEstimate(task))}</td>
                  </tr>
                ))}
              </tbody>
            );
          })}
        </table>
      </div>
      <p className="muted small-text">Drafted by {drafted.model}. Check the tasks before you rely on them.</p>
    </div>
  );
}
