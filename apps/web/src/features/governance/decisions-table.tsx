import type { GovernanceDecision } from "@parley/contracts";
import { useMe } from "../auth/use-me.ts";
import { surfaceLabel, teamLabel } from "./approval-card.tsx";
import { DECISION_LABELS, shortFingerprint } from "./decision-summary.ts";
import { TIER_LABELS } from "./rule-labels.ts";
import { useAuthors } from "./use-authors.ts";

/** What matched: each kind with a short fingerprint (the API has no matched text to show). */
function Matches({ decision }: { decision: GovernanceDecision }) {
  if (decision.matches.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="decision-matches">
      {decision.matches.map((m, i) => (
        <li key={`${m.fingerprint}-${i}`} title={`${m.detector}: ${m.kind}, fingerprint ${m.fingerprint}`}>
          {m.kind} <code>{shortFingerprint(m.fingerprint)}</code>
        </li>
      ))}
    </ul>
  );
}

/**
 * Decisions as a table (cards on a phone): when, which rule did what, where, to whom, why. People
 * are named from `teamId`'s members (the filter's team, or the one team all decisions are of).
 */
export function DecisionsTable({ decisions, teamId }: { decisions: GovernanceDecision[]; teamId: string }) {
  const me = useMe().data;
  const teams = new Set(decisions.map((d) => d.teamId));
  const [only] = teams;
  const team = teamId || (teams.size === 1 ? only : null);
  const name = useAuthors(
    team ? { teamId: team } : undefined,
    decisions.map((d) => d.actorId),
  );
  return (
    <table className="decisions-table">
      <caption className="visually-hidden">Decisions, newest first</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Rule</th>
          <th scope="col">Decision</th>
          <th scope="col">Where</th>
          <th scope="col">Who</th>
          <th scope="col">Matches</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {decisions.map((d) => (
          <tr key={d.id}>
            <td data-label="When" className="nowrap">
              {new Date(d.at).toLocaleString()}
            </td>
            <td data-label="Rule">
              <span>
                {d.ruleName} <span className="muted small-text">v{d.ruleVersion}</span>
              </span>
            </td>
            <td data-label="Decision">
              <span>
                <span className={`action-badge decision-${d.action}`}>{DECISION_LABELS[d.action]}</span>
                <span className="muted small-text tier-note">{TIER_LABELS[d.tier]}</span>
              </span>
            </td>
            <td data-label="Where" className="small-text">
              <span>
                {teamLabel(me, d.teamId)} · {surfaceLabel(d.surface)}
                {d.model && <span className="muted model-note">{d.model}</span>}
              </span>
            </td>
            <td data-label="Who" className="small-text">
              {d.actorId === null ? <span className="muted">—</span> : name(d.actorId)}
            </td>
            <td data-label="Matches" className="small-text">
              <Matches decision={d} />
            </td>
            <td data-label="Reason" className="small-text reason">
              {d.reason}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
