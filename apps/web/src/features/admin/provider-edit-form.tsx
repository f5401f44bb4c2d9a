import type { Provider, ProviderTestResult } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { ModelPicks, TestOutcome, modelList } from "./model-picks.tsx";

/** The names of a provider's models (declared as names or as objects with an id). */
export function modelNames(provider: Pick<Provider, "models">): string[] {
  return provider.models.map((m) => (typeof m === "string" ? m : m.id));
}

/**
 * Changes a provider added through the API: its name, base URL, key (kept unless replaced or
 * removed, never shown) and models, which a connection test with the new settings offers to tick.
 */
export function ProviderEditForm({ provider, onDone }: { provider: Provider; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(provider.name);
  const [baseURL, setBaseURL] = useState(provider.baseURL ?? "");
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const [models, setModels] = useState(modelNames(provider).join(", "));
  const picked = modelList(models);
  const test = useMutation({
    mutationFn: () =>
      // A new key is tried as typed; without one, the stored key (the saved provider's test).
      apiKey || baseURL.trim() !== (provider.baseURL ?? "")
        ? api<ProviderTestResult>("/api/v1/providers/test", {
            method: "POST",
            body: {
              type: provider.type,
              ...(baseURL.trim() ? { baseURL: baseURL.trim() } : {}),
              ...(apiKey ? { apiKey } : {}),
            },
          })
        : api<ProviderTestResult>(`/api/v1/providers/${encodeURIComponent(provider.id)}/test`, {
            method: "POST",
          }),
  });
  const save = useMutation({
    mutationFn: () =>
      api<Provider>(`/api/v1/providers/${encodeURIComponent(provider.id)}`, {
        method: "PATCH",
        body: {
          ...(name.trim() !== provider.name ? { name: name.trim() } : {}),
          ...(baseURL.trim() !== (provider.baseURL ?? "") ? { baseURL: baseURL.trim() || null } : {}),
          ...(apiKey ? { apiKey } : removeKey ? { apiKey: null } : {}),
          ...(picked.join(",") !== modelNames(provider).join(",") ? { models: picked } : {}),
        },
      }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["providers"] });
      await queryClient.invalidateQueries({ queryKey: ["models"] });
      onDone();
    },
  });
  return (
    <form
      className="stack provider-form"
      aria-label={`Edit provider ${provider.name}`}
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <Alert>{save.error ? errorText(save.error) : null}</Alert>
      <div className="row wrap">
        <label>
          Display name
          <input
            required
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
          />
        </label>
        <label>
          Base URL
          <input
            type="url"
            required={provider.type === "openai-compatible"}
            value={baseURL}
            onChange={(e) => {
              setBaseURL(e.target.value);
            }}
          />
        </label>
      </div>
      <div className="row wrap">
        <label>
          New API key (empty: keep the stored one)
          <input
            type="password"
            autoComplete="off"
            value={apiKey}
            disabled={removeKey}
            onChange={(e) => {
              setApiKey(e.target.value);
            }}
          />
        </label>
        {provider.hasApiKey && (
          <label className="check">
            <input
              type="checkbox"
              checked={removeKey}
              onChange={(e) => {
                setRemoveKey(e.target.checked);
                if (e.target.checked) setApiKey("");
              }}
            />
            Remove the stored key
          </label>
        )}
      </div>
      <div className="row wrap">
        <button
          type="button"
          onClick={() => {
            test.mutate();
          }}
          disabled={test.isPending}
        >
          {test.isPending ? "Testing…" : "Test connection"}
        </button>
        {test.data && <TestOutcome result={test.data} />}
        <Alert inline>{test.error ? errorText(test.error) : null}</Alert>
      </div>
      {test.data?.ok && <ModelPicks listed={test.data.models} models={models} onModels={setModels} />}
      <label>
        Models (comma-separated)
        <input
          required
          value={models}
          onChange={(e) => {
            setModels(e.target.value);
          }}
        />
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save provider"}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
