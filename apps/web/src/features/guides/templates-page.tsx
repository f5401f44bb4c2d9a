import type { GuideTemplate } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { mayWriteGuides } from "./guide-access.ts";
import { deleteTemplate, guideKeys, listTemplates } from "./guides-api.ts";
import { useGuideTeam } from "./use-guide-team.ts";

/**
 * The templates a team starts guides from: the built-in ones, then the team's own (saved from a
 * guide with "Save as template"), which writers may delete.
 */
export function TemplatesPage() {
  const { me, teamId } = useGuideTeam();
  const queryClient = useQueryClient();
  const write = mayWriteGuides(me, teamId);
  const [deleting, setDeleting] = useState<GuideTemplate | null>(null);
  const templates = useQuery({
    queryKey: guideKeys.templates(teamId ?? ""),
    queryFn: () => listTemplates(teamId ?? ""),
    enabled: teamId !== null,
  });
  const remove = useMutation({
    mutationFn: (id: string) => deleteTemplate(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: guideKeys.templates(teamId ?? "") }),
  });
  const items = templates.data?.items ?? [];
  const own = items.filter((t) => !t.builtIn);
  const row = (t: GuideTemplate) => (
    <tr key={t.id}>
      <td>
        <strong>{t.name}</strong>
        {t.description && <p className="muted small-text">{t.description}</p>}
      </td>
      <td>{t.title}</td>
      <td className="small-text">
        {t.variables.length === 0
          ? "—"
          : t.variables.map((v) => `${v.name}${v.required ? " *" : ""}`).join(", ")}
      </td>
      <td className="actions">
        {write && !t.builtIn && (
          <button
            type="button"
            className="small"
            aria-label={`Delete template “${t.name}”`}
            onClick={() => {
              setDeleting(t);
            }}
          >
            Delete
          </button>
        )}
      </td>
    </tr>
  );
  const table = (rows: GuideTemplate[], caption: string) => (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Template</th>
          <th scope="col">Guide title</th>
          <th scope="col">Variables (* required)</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>{rows.map(row)}</tbody>
    </table>
  );
  return (
    <section className="panel guides" aria-labelledby="templates-title">
      <h1 id="templates-title">Guide templates</h1>
      <p className="muted">
        Start a guide from one with “From template” on the guides page. To add one of the team’s own, open a
        guide and choose “Save as template” in its menu; <code>{"{{name}}"}</code> in its title or markdown
        becomes a variable to fill in.
      </p>
      <Alert>
        {templates.error ? errorText(templates.error) : remove.error ? errorText(remove.error) : null}
      </Alert>
      {templates.isPending && teamId !== null && <p className="muted">Loading…</p>}
      <h2>Built in</h2>
      {table(
        items.filter((t) => t.builtIn),
        "Built-in templates",
      )}
      <h2>The team’s own</h2>
      {templates.isSuccess && own.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        table(own, "The team’s templates")
      )}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => {
          if (!open) setDeleting(null);
        }}
        title={`Delete the template “${deleting?.name ?? ""}”?`}
        description="Guides made from it stay as they are."
        confirmLabel="Delete template"
        onConfirm={() => {
          if (deleting) remove.mutate(deleting.id);
        }}
      />
    </section>
  );
}
