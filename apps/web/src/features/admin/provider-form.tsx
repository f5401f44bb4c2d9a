import type { Provider, ProviderTestResult, ProviderType } from "@parley/contracts";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { errorText } from "../../failures.ts";
import { ModelPicks, TestOutcome, modelList } from "./model-picks.tsx";

const TYPES: { value: ProviderType; label: string; baseURL: string }[] = [
  {
    value: "openai-compatible",
    label: "OpenAI-compatible (vLLM, llama.cpp, Ollama, OpenRouter…)",
    baseURL: "http://127.0.0.1:11434/v1",
  },
  { value: "openai", label: "OpenAI", baseURL: "" },
  { value: "anthropic", label: "Anthropic", baseURL: "" },
];

/**
 * Adds a model provider: its kind, where it is, its key (stored encrypted, never shown again)
 * and the models to offer. Used by first-run setup and by the administration page.
 */
export function ProviderForm({
  onAdded,
  submitLabel = "Add provider",
}: {
  onAdded?: (p: Provider) => void;
  submitLabel?: string;
}) {
  const queryClient = useQueryClient();
  const [type, setType] = useState<ProviderType>("openai-compatible");
  const [id, setId] = useState("local");
  const [name, setName] = useState("");
  const [baseURL, setBaseURL] = useState(TYPES[0]?.baseURL ?? "");
  const [apiKey, setApiKey] = useState("");
  const [models, setModels] = useState("");
  // Try the connection first: the models it lists are offered to tick instead of typed.
  const test = useMutation({
    mutationFn: () =>
      api<ProviderTestResult>("/api/v1/providers/test", {
        method: "POST",
        body: {
          type,
          ...(baseURL.trim() ? { baseURL: baseURL.trim() } : {}),
          ...(apiKey ? { apiKey } : {}),
        },
      }),
    onSuccess: (result) => {
      // The first few listed are picked to start with; the rest are a tick away.
      if (result.ok && !models.trim()) setModels(result.models.slice(0, 3).join(", "));
    },
  });
  const add = useMutation({
    mutationFn: () =>
      api<Provider>("/api/v1/providers", {
        method: "POST",
        body: {
          id,
          type,
          ...(name.trim() ? { name: name.trim() } : {}),
          ...(baseURL.trim() ? { baseURL: baseURL.trim() } : {}),
          ...(apiKey ? { apiKey } : {}),
          models: modelList(models),
        },
      }),
    onSuccess: async (provider) => {
      setApiKey("");
      await queryClient.invalidateQueries({ queryKey: ["providers"] });
      await queryClient.invalidateQueries({ queryKey: ["models"] });
      onAdded?.(provider);
    },
  });
  return (
    <form
      className="stack provider-form"
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate();
      }}
    >
      <Alert>{add.error ? errorText(add.error) : null}</Alert>
      <label>
        Kind
        <select
          value={type}
          onChange={(e) => {
            const next = e.target.value as ProviderType;
            setType(next);
            setBaseURL(TYPES.find((t) => t.value === next)?.baseURL ?? "");
            if (id === "local" || TYPES.some((t) => t.value === id))
              setId(next === "openai-compatible" ? "local" : next);
          }}
        >
          {TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </label>
      <div className="row wrap">
        <label>
          <span>
            Id (prefixes its models: <code>{id || "id"}/model</code>)
          </span>
          <input
            required
            pattern="[a-z0-9\-]{1,32}"
            value={id}
            onChange={(e) => {
              setId(e.target.value);
            }}
          />
        </label>
        <label>
          Display name (optional)
          <input
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
          />
        </label>
      </div>
      <label>
        Base URL{type === "openai-compatible" ? "" : " (optional: the vendor's API by default)"}
        <input
          type="url"
          required={type === "openai-compatible"}
          value={baseURL}
          onChange={(e) => {
            setBaseURL(e.target.value);
          }}
        />
      </label>
      <label>
        API key (stored encrypted, never shown again)
        <input
          type="password"
          autoComplete="off"
          value={apiKey}
          onChange={(e) => {
            setApiKey(e.target.value);
          }}
        />
      </label>
      <div className="row wrap">
        <button
          type="button"
          onClick={() => {
            test.mutate();
          }}
          disabled={test.isPending || (type === "openai-compatible" && !baseURL.trim())}
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
          placeholder="llama3.2, qwen2.5-coder"
          value={models}
          onChange={(e) => {
            setModels(e.target.value);
          }}
        />
      </label>
      <div>
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? "Adding…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
