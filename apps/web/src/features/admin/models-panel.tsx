import type { ItemList, Model } from "@parley/contracts";
import { Alert } from "../../components/ui/alert.tsx";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { errorText } from "../../failures.ts";
import { Panel } from "./panel.tsx";
import { ProvidersSection } from "./providers-panel.tsx";

/** Providers (add, test, enable, delete) and every model with its prices (editable). */
export function ModelsPanel() {
  const models = useQuery({
    queryKey: ["models", "all"],
    queryFn: () => api<ItemList<Model>>("/api/v1/models?all=true"),
  });
  return (
    <Panel title="Providers & models" loading={models.isPending} error={models.error}>
      <ProvidersSection />
      <h2>Models and prices</h2>
      {models.data?.items.length === 0 && <p className="muted">No models yet: add a provider above.</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Context</th>
            <th scope="col">Input $/M tokens</th>
            <th scope="col">Output $/M tokens</th>
            <th scope="col">Enabled</th>
            <th scope="col">
              <span className="visually-hidden">Save</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {models.data?.items.map((m) => (
            <ModelEditor key={m.id} model={m} />
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function ModelEditor({ model }: { model: Model }) {
  const queryClient = useQueryClient();
  const [input, setInput] = useState(String(model.inputPricePerMTok ?? ""));
  const [output, setOutput] = useState(String(model.outputPricePerMTok ?? ""));
  const [enabled, setEnabled] = useState(model.enabled);
  const [context, setContext] = useState(String(model.contextWindow ?? ""));
  const [maxOutput, setMaxOutput] = useState(String(model.maxOutputTokens ?? ""));
  const [aliases, setAliases] = useState(model.aliases.join(", "));
  const [fallbacks, setFallbacks] = useState(model.fallbacks.join(", "));
  const [imageInput, setImageInput] = useState(model.imageInput);
  const list = (text: string) => {
    const items = text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return items.length ? items : null;
  };
  const save = useMutation({
    mutationFn: () =>
      api(`/api/v1/models/${encodeURIComponent(model.provider)}/${encodeURIComponent(model.model)}`, {
        method: "PATCH",
        body: {
          inputPricePerMTok: input === "" ? null : Number(input),
          outputPricePerMTok: output === "" ? null : Number(output),
          enabled,
          contextWindow: context === "" ? null : Number(context),
          maxOutputTokens: maxOutput === "" ? null : Number(maxOutput),
          aliases: list(aliases),
          fallbacks: list(fallbacks),
          // Sent only when changed: otherwise the guess from the model's name keeps applying.
          ...(imageInput !== model.imageInput ? { imageInput } : {}),
        },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["models"] }),
  });
  return (
    <tr>
      <th scope="row">
        {model.id}
        <details className="model-more">
          <summary>Aliases, limits, fallbacks, images</summary>
          <label>
            Aliases of {model.id}
            <input
              placeholder="fast, default"
              value={aliases}
              onChange={(e) => {
                setAliases(e.target.value);
              }}
            />
          </label>
          <label>
            Max output tokens of {model.id}
            <input
              inputMode="numeric"
              value={maxOutput}
              onChange={(e) => {
                setMaxOutput(e.target.value);
              }}
            />
          </label>
          <label>
            Fallbacks of {model.id}
            <input
              placeholder="other/model, another/model"
              value={fallbacks}
              onChange={(e) => {
                setFallbacks(e.target.value);
              }}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={imageInput}
              onChange={(e) => {
                setImageInput(e.target.checked);
              }}
            />
            {model.id} reads images (attached to chat messages)
          </label>
        </details>
      </th>
      <td>
        <input
          aria-label={`Context window of ${model.id}`}
          inputMode="numeric"
          size={7}
          placeholder="—"
          value={context}
          onChange={(e) => {
            setContext(e.target.value);
          }}
        />
      </td>
      <td>
        <input
          aria-label={`Input price of ${model.id}`}
          inputMode="decimal"
          size={6}
          value={input}
          onChange={(e) => {
            setInput(e.target.value);
          }}
        />
      </td>
      <td>
        <input
          aria-label={`Output price of ${model.id}`}
          inputMode="decimal"
          size={6}
          value={output}
          onChange={(e) => {
            setOutput(e.target.value);
          }}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`${model.id} enabled`}
          checked={enabled}
          onChange={(e) => {
            setEnabled(e.target.checked);
          }}
        />
      </td>
      <td>
        <button
          type="button"
          onClick={() => {
            save.mutate();
          }}
          disabled={save.isPending}
        >
          {save.isSuccess ? "Saved" : "Save"}
        </button>
        <Alert inline>{save.error ? errorText(save.error) : null}</Alert>
      </td>
    </tr>
  );
}
