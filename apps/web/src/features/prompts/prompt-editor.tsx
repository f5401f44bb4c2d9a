import type { Prompt } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { contentOf, draftOf, placeholdersOf, type ContentDraft, type VariableDraft } from "./prompt-form.ts";
import { VariablesTable } from "./variables-table.tsx";
import { promptKeys } from "./use-prompts.ts";

/** Edits the current version; saving makes the next one (refused if someone saved meanwhile). */
export function PromptEditor({ prompt }: { prompt: Prompt }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ContentDraft>(() => draftOf(prompt.content));
  const [name, setName] = useState(prompt.name);
  const [description, setDescription] = useState(prompt.description);
  const [note, setNote] = useState("");
  const save = useMutation({
    mutationFn: () =>
      api<Prompt>(`/api/v1/prompts/${prompt.id}`, {
        method: "PUT",
        body: { expectedVersion: prompt.currentVersion, name, description, note, content: contentOf(draft) },
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: promptKeys.all });
    },
  });
  const set = (patch: Partial<ContentDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
  };
  const missing = placeholdersOf(draft.text).filter((p) => !draft.variables.some((v) => v.name === p));
  return (
    <form
      className="prompt-form prompt-section"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h2>Edit (saves version {prompt.currentVersion + 1})</h2>
      <label>
        Name
        <input
          value={name}
          maxLength={100}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </label>
      <label>
        Description
        <input
          value={description}
          maxLength={2000}
          onChange={(e) => {
            setDescription(e.target.value);
          }}
        />
      </label>
      {draft.kind === "template" ? (
        <>
          <label>
            Template text (placeholders as <code>{"{{name}}"}</code>)
            <textarea
              rows={6}
              value={draft.text}
              onChange={(e) => {
                set({ text: e.target.value });
              }}
            />
          </label>
          <VariablesTable
            variables={draft.variables}
            onChange={(variables: VariableDraft[]) => {
              set({ variables });
            }}
          />
          {missing.length > 0 && (
            <button
              type="button"
              className="ghost small"
              onClick={() => {
                set({
                  variables: [
                    ...draft.variables,
                    ...missing.map((n) => ({
                      name: n,
                      type: "string" as const,
                      required: true,
                      options: "",
                      defaultValue: "",
                    })),
                  ],
                });
              }}
            >
              Declare {missing.join(", ")}
            </button>
          )}
        </>
      ) : (
        <>
          <label>
            Instructions
            <textarea
              rows={6}
              value={draft.instructions}
              onChange={(e) => {
                set({ instructions: e.target.value });
              }}
            />
          </label>
          <div className="inline-form">
            <label>
              Model (empty: the default)
              <input
                value={draft.model}
                onChange={(e) => {
                  set({ model: e.target.value });
                }}
              />
            </label>
            <label>
              Temperature
              <input
                type="number"
                min={0}
                max={2}
                step={0.1}
                value={draft.temperature}
                onChange={(e) => {
                  set({ temperature: e.target.value });
                }}
              />
            </label>
            <label>
              Max output tokens
              <input
                type="number"
                min={1}
                value={draft.maxOutputTokens}
                onChange={(e) => {
                  set({ maxOutputTokens: e.target.value });
                }}
              />
            </label>
          </div>
        </>
      )}
      <label>
        Change note
        <input
          value={note}
          maxLength={500}
          onChange={(e) => {
            setNote(e.target.value);
          }}
        />
      </label>
      <div className="row end">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save version {prompt.currentVersion + 1}
        </button>
      </div>
      {save.isError && <Alert>{errorText(save.error)}</Alert>}
    </form>
  );
}
