import { Alert } from "../../components/ui/alert.tsx";
import type { ItemList, Team } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Panel } from "./panel.tsx";

/** Teams you can see, and creating one (you become its admin). */
export function TeamsPanel() {
  const queryClient = useQueryClient();
  const teams = useQuery({
    queryKey: ["teams"],
    queryFn: () => api<ItemList<Team>>("/api/v1/teams?limit=200"),
  });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => api("/api/v1/teams", { method: "POST", body: { name } }),
    onSuccess: async () => {
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  return (
    <Panel title="Teams" loading={teams.isPending} error={teams.error}>
      {teams.data?.items.length === 0 && <p className="muted">No teams yet.</p>}
      <ul>
        {teams.data?.items.map((t) => (
          <li key={t.id}>
            <strong>{t.name}</strong>{" "}
            <span className="muted">
              ({t.slug}
              {t.role ? `, you are ${t.role}` : ""})
            </span>
          </li>
        ))}
      </ul>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          Team name{" "}
          <input
            required
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
          />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create team
        </button>
        <Alert>{create.error?.message}</Alert>
      </form>
    </Panel>
  );
}
