import {
  MAX_PRACTICES_CHARS_PER_CALL,
  type ItemList,
  type Page,
  type Practice,
  type Project,
} from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { Icon } from "../../components/ui/icons.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { PracticeCard } from "./practice-card.tsx";
import { PracticeEditor } from "./practice-editor.tsx";
import { enabledChars, managesPractices, scopesOf } from "./practices-scope.ts";

/**
 * Practices: a team's agreed ways of working that every AI call of the team (or of one of its
 * projects) follows. Lists them by scope, in order; operators and admins of the team add, edit,
 * reorder, switch off and delete them. A team picker shows when the user is in several teams.
 */
export function PracticesPage() {
  const me = useMe().data;
  const teams = me?.teams ?? [];
  const [picked, setPicked] = useState<string | null>(null);
  const teamId = picked ?? teams[0]?.id ?? null;
  const manage = teamId !== null && managesPractices(me, teamId);
  const practices = useQuery({
    queryKey: ["practices", teamId],
    queryFn: () => api<ItemList<Practice>>(`/api/v1/practices?teamId=${teamId ?? ""}`),
    enabled: teamId !== null,
  });
  const projects = useQuery({
    queryKey: ["projects", teamId],
    queryFn: () => api<Page<Project>>(`/api/v1/projects?teamId=${teamId ?? ""}&limit=200`),
    enabled: teamId !== null,
  });
  const projectList = projects.data?.items ?? [];
  const scopes = scopesOf(practices.data?.items ?? [], projectList);
  const empty = practices.isSuccess && practices.data.items.length === 0;
  const addButton = (label: string) =>
    teamId !== null && manage ? (
      <PracticeEditor
        teamId={teamId}
        practice={null}
        projects={projectList}
        trigger={
          <button type="button" className="primary">
            <Icon name="plus" /> {label}
          </button>
        }
      />
    ) : null;
  return (
    <>
      <section className="panel practices" aria-labelledby="practices-title">
        <div className="row section-head">
          <h1 id="practices-title">Practices</h1>
          {!empty && addButton("New practice")}
        </div>
        <p className="muted">
          What your team agreed on for AI work, in markdown. Every AI call of the team gets the enabled
          team-wide practices, then those of the conversation’s project, in this order, after the assistant’s
          instructions (at most {MAX_PRACTICES_CHARS_PER_CALL.toLocaleString()} characters per call; what
          follows is left out).
        </p>
        {teams.length > 1 && (
          <div className="row practices-team">
            <label htmlFor="practices-team-picker">Team</label>
            <select
              id="practices-team-picker"
              value={teamId ?? ""}
              onChange={(e) => {
                setPicked(e.target.value);
              }}
            >
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {teamId === null && (
          <p className="muted">
            Practices belong to teams, and you are in none yet. Ask an admin to add you.
          </p>
        )}
        {practices.isPending && teamId !== null && <p className="muted">Loading…</p>}
        <Alert>{practices.error ? errorText(practices.error) : null}</Alert>
        {empty ? (
          <div className="knowledge-empty">
            <p>
              No practices yet. A <strong>practice</strong> is a short rule of thumb the team wants every
              answer to follow, such as “every fix comes with a regression test” or “migrations are never
              edited once merged”. Add one for the whole team or for one project.
            </p>
            {manage ? (
              addButton("Add the first practice")
            ) : (
              <p className="muted">Operators and admins of the team can add them.</p>
            )}
          </div>
        ) : (
          scopes
            .filter((scope) => scope.items.length > 0)
            .map((scope) => {
              const chars = enabledChars(scope.items);
              const headingId = `practices-scope-${scope.key}`;
              return (
                <section key={scope.key} aria-labelledby={headingId} className="practice-scope">
                  <div className="row section-head">
                    <h2 id={headingId}>{scope.project ? `Project ${scope.project.name}` : "Team-wide"}</h2>
                    <span
                      className={`small-text ${chars > MAX_PRACTICES_CHARS_PER_CALL ? "error" : "muted"}`}
                    >
                      {chars.toLocaleString()} characters enabled
                    </span>
                  </div>
                  <ol className="practice-list">
                    {scope.items.map((p, i) => (
                      <PracticeCard
                        key={p.id}
                        practice={p}
                        index={i}
                        count={scope.items.length}
                        manage={manage}
                        projects={projectList}
                      />
                    ))}
                  </ol>
                </section>
              );
            })
        )}
      </section>
    </>
  );
}
