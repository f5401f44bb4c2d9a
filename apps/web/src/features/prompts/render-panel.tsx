import type { Prompt, RenderedPrompt } from "@parley/contracts";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { typedValue } from "./prompt-form.ts";

/** Tries the current version of a template with values for its variables. */
export function RenderPanel({ prompt }: { prompt: Prompt }) {
  const variables = prompt.content.kind === "template" ? prompt.content.variables : [];
  const [values, setValues] = useState<Record<string, string>>({});
  const render = useMutation({
    mutationFn: () =>
      api<RenderedPrompt>(`/api/v1/prompts/${prompt.id}/render`, {
        method: "POST",
        body: {
          variables: Object.fromEntries(
            variables
              .filter((v) => (values[v.name] ?? "") !== "")
              .map((v) => [v.name, typedValue(v.type, values[v.name] ?? "")]),
          ),
        },
      }),
  });
  return (
    <form
      className="prompt-form prompt-section"
      onSubmit={(e) => {
        e.preventDefault();
        render.mutate();
      }}
    >
      <h2>Try it</h2>
      <div className="inline-form">
        {variables.map((v) => (
          <label key={v.name}>
            {v.name} ({v.type}
            {v.required ? ", required" : ""})
            {v.type === "enum" || v.type === "boolean" ? (
              <select
                value={values[v.name] ?? ""}
                onChange={(e) => {
                  setValues({ ...values, [v.name]: e.target.value });
                }}
              >
                <option value="">{v.default === undefined ? "—" : `default: ${String(v.default)}`}</option>
                {(v.type === "enum" ? (v.options ?? []) : ["true", "false"]).map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input
                type={v.type === "number" ? "number" : "text"}
                value={values[v.name] ?? ""}
                placeholder={v.default === undefined ? "" : String(v.default)}
                onChange={(e) => {
                  setValues({ ...values, [v.name]: e.target.value });
                }}
              />
            )}
          </label>
        ))}
        <button type="submit" disabled={render.isPending}>
          Render
        </button>
      </div>
      {render.isError && <Alert>{errorText(render.error)}</Alert>}
      {render.data && (
        <pre className="diff" role="region" aria-label="Rendered text">
          {render.data.text}
        </pre>
      )}
    </form>
  );
}
