import type { Prompt } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { useMe } from "../auth/use-me.ts";
import { contentOf, draftOf } from "./prompt-form.ts";
import { promptKeys } from "./use-prompts.ts";

/** Your teams' prompts, by name, and a form to start a new one (its version 1). */
export function PromptList({ items, loading }: { items: Prompt[]; loading: boolean }) {
  const me = useMe().data;
  const teams = me?.teams ?? [];
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Prompt["kind"]>("template");
  const [teamId, setTeamId] = useState("");
  const team = teamId || teams[0]?.id || "";
  const create = useMutation({
    mutationFn: () => {
      const draft = draftOf(null, kind);
      const content =
        kind === "template"
          ? contentOf({
              ...draft,
              text: "Hello {{name}}",
              variables: [{ name: "name", type: "string", required: true, options: "", defaultValue: "" }],
            })
          : contentOf({ ...draft, instructions: "You are a helpful assistant." });
      return api<Prompt>("/api/v1/prompts", { method: "POST", body: { teamId: team, name, content } });
    },
    onSuccess: async (made) => {
      await queryClient.invalidateQueries({ queryKey: promptKeys.all });
      setName("");
      await navigate(`/governance/prompts/${made.id}`);
    },
  });
  return (
    <section className="panel">
      <h1>Prompt templates and personas</h1>
      <p className="muted">
        Templates render text from typed variables; personas answer on <code>/v1</code> and in chat as{" "}
        <code>persona/&lt;slug&gt;</code>. Every save is a new version; labels choose which one is used.
      </p>
      {loading ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted">No prompts yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Slug</th>
              <th scope="col">Version</th>
              <th scope="col">Labels</th>
            </tr>
          </thead>
          <tbody>
            {items.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/governance/prompts/${p.id}`}>{p.name}</Link>
                </td>
                <td>{p.kind}</td>
                <td>
                  <code>{p.slug}</code>
                </td>
                <td>v{p.currentVersion}</td>
                <td>
                  {p.labels
                    .map(
                      (l) =>
                        `${l.label}${l.protected ? " (protected)" : ""} → ${l.versions.map((v) => `v${v.version}`).join("/")}`,
                    )
                    .join(", ") || "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {teams.length > 0 && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) create.mutate();
          }}
        >
          <h2>New prompt</h2>
          <label>
            Name
            <input
              value={name}
              required
              maxLength={100}
              onChange={(e) => {
                setName(e.target.value);
              }}
            />
          </label>
          <label>
            Kind
            <select
              value={kind}
              onChange={(e) => {
                setKind(e.target.value as Prompt["kind"]);
              }}
            >
              <option value="template">Template</option>
              <option value="persona">Persona</option>
            </select>
          </label>
          <label>
            Team
            <select
              value={team}
              onChange={(e) => {
                setTeamId(e.target.value);
              }}
            >
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
            Create
          </button>
        </form>
      )}
      {create.isError && <Alert>{errorText(create.error)}</Alert>}
    </section>
  );
}
