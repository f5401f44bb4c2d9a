import type { GuideTemplate } from "@parley/contracts";
import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { createGuide, guideKeys, listTemplates } from "./guides-api.ts";

/** The values a template's variables start with: their defaults, or empty. */
const initialValues = (template: GuideTemplate | undefined) =>
  Object.fromEntries((template?.variables ?? []).map((v) => [v.name, v.default ?? ""]));

/**
 * "From template": pick a built-in or team template, fill its variables (the required ones are
 * marked and checked by the browser first), and create the guide.
 */
export function TemplateDialog({ teamId }: { teamId: string }) {
  const [open, setOpen] = useState(false);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const templates = useQuery({
    queryKey: guideKeys.templates(teamId),
    queryFn: () => listTemplates(teamId),
    enabled: open,
  });
  const items = templates.data?.items ?? [];
  const chosen = items.find((t) => t.id === templateId) ?? items[0];
  const create = useMutation({
    mutationFn: () =>
      createGuide({
        teamId,
        templateId: chosen?.id ?? "",
        // Empty optional variables are left to the template's default.
        variables: Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== "")),
      }),
    onSuccess: async (guide) => {
      queryClient.setQueryData(guideKeys.one(guide.id), guide);
      await queryClient.invalidateQueries({ queryKey: guideKeys.lists(teamId) });
      setOpen(false);
      await navigate(`/guides/${guide.id}`);
    },
  });
  const pick = (template: GuideTemplate | undefined) => {
    setTemplateId(template?.id ?? null);
    setValues(initialValues(template));
    create.reset();
  };
  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) {
          setTemplateId(null);
          setValues({});
          create.reset();
        }
      }}
    >
      <Dialog.Trigger asChild>
        <button type="button">From template</button>
      </Dialog.Trigger>
      <Dialog.Portal>
        <Dialog.Overlay className="overlay" />
        <Dialog.Content className="dialog wide-dialog" aria-describedby={undefined}>
          <Dialog.Title>New guide from a template</Dialog.Title>
          {templates.isPending && <p className="muted">Loading templates…</p>}
          <Alert>{templates.error ? errorText(templates.error) : null}</Alert>
          {chosen && (
            <form
              className="stack"
              onSubmit={(e) => {
                e.preventDefault();
                create.mutate();
              }}
            >
              <label>
                Template
                <select
                  value={chosen.id}
                  onChange={(e) => {
                    pick(items.find((t) => t.id === e.target.value));
                  }}
                >
                  {items.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.builtIn ? t.name : `${t.name} (team)`}
                    </option>
                  ))}
                </select>
              </label>
              {chosen.description && <p className="muted small-text">{chosen.description}</p>}
              {chosen.variables.length > 0 && (
                <fieldset className="stack template-variables">
                  <legend>
                    Variables <span className="muted small-text">(* required)</span>
                  </legend>
                  {chosen.variables.map((v) => (
                    <label key={`${chosen.id}-${v.name}`}>
                      <span>
                        {v.name}
                        {v.required && <span aria-hidden="true"> *</span>}
                      </span>
                      <input
                        value={values[v.name] ?? v.default ?? ""}
                        required={v.required}
                        maxLength={2000}
                        aria-describedby={v.description ? `template-var-${v.name}` : undefined}
                        onChange={(e) => {
                          setValues((previous) => ({ ...previous, [v.name]: e.target.value }));
                        }}
                      />
                      {v.description && (
                        <span id={`template-var-${v.name}`} className="muted small-text">
                          {v.description}
                        </span>
                      )}
                    </label>
                  ))}
                </fieldset>
              )}
              <Alert>{create.error ? errorText(create.error) : null}</Alert>
              <div className="dialog-actions">
                <Dialog.Close asChild>
                  <button type="button">Cancel</button>
                </Dialog.Close>
                <button type="submit" className="primary" disabled={create.isPending}>
                  {create.isPending ? "Creating…" : "Create guide"}
                </button>
              </div>
            </form>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
