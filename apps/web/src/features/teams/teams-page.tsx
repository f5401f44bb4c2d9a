import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { Team } from "@parley/contracts";
import { useState } from "react";
import { NavLink, useNavigate, useParams } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { Panel } from "../admin/panel.tsx";
import { createsTeams } from "./team-access.ts";
import { useTeams } from "./team-api.ts";
import { TeamView } from "./team-view.tsx";

/** Teams: the ones you belong to (all, for global admins) on the left; the one you open on the right. */
export function TeamsPage() {
  const { id } = useParams();
  const teams = useTeams();
  return (
    <div className="admin">
      <nav aria-label="Teams" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Teams
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        <NavLink to="/teams" end>
          All teams
        </NavLink>
        {teams.data?.items.map((t) => (
          <NavLink key={t.id} to={`/teams/${t.id}`}>
            {t.name}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">{id ? <TeamView key={id} id={id} /> : <TeamList />}</main>
    </div>
  );
}

function TeamList() {
  const me = useMe();
  const teams = useTeams();
  return (
    <Panel title="Teams" loading={teams.isPending} error={teams.error}>
      {teams.data?.items.length === 0 && (
        <p className="muted">You are in no team yet. A team admin can send you an invitation link.</p>
      )}
      <ul className="team-list">
        {teams.data?.items.map((t) => (
          <li key={t.id}>
            <NavLink to={`/teams/${t.id}`}>{t.name}</NavLink>{" "}
            <span className="muted">{t.role ? `you are ${t.role}` : "you are not a member"}</span>
          </li>
        ))}
      </ul>
      {createsTeams(me.data) && <CreateTeam />}
    </Panel>
  );
}

function CreateTeam() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => api<Team>("/api/v1/teams", { method: "POST", body: { name } }),
    onSuccess: async (team) => {
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["teams"] });
      await queryClient.invalidateQueries({ queryKey: ["me"] });
      await navigate(`/teams/${team.id}`);
    },
  });
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2>Create a team</h2>
      <label>
        Team name
        <input
          required
          maxLength={120}
          value={name}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create team
      </button>
      <Alert>{create.error ? errorText(create.error) : undefined}</Alert>
    </form>
  );
}
