import { Alert } from "../../components/ui/alert.tsx";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { Navigate, useNavigate } from "react-router";
import { useMe } from "./use-me.ts";
import type { ItemList, Provider, SetupStatus } from "@parley/contracts";
import { api, ApiError } from "../../api.ts";
import { ProviderForm } from "../admin/provider-form.tsx";

/** First run: create the admin, then connect a model provider (Ollama is offered when found). */
export function SetupPage() {
  // A reload resumes where it was: once the admin exists (and is signed in), step 2.
  const status = useQuery({ queryKey: ["setup"], queryFn: () => api<SetupStatus>("/api/v1/setup") });
  const [created, setCreated] = useState(false);
  const me = useMe();
  const step: "admin" | "provider" = created || status.data?.needsAdmin === false ? "provider" : "admin";
  if (status.isPending || me.isPending) return <p className="muted page">Loading…</p>;
  // Set up already, by someone else (or in another browser): sign in instead.
  if (step === "provider" && !created && !me.data) return <Navigate to="/login" replace />;
  return (
    <main className="login">
      <div className="card login-card setup-card">
        <h1>Set up Parley</h1>
        <ol className="steps" aria-label="Setup steps">
          <li aria-current={step === "admin" ? "step" : undefined}>Create the admin</li>
          <li aria-current={step === "provider" ? "step" : undefined}>Connect a model provider</li>
        </ol>
        {step === "admin" ? (
          <AdminStep
            onDone={() => {
              setCreated(true);
            }}
          />
        ) : (
          <ProviderStep />
        )}
      </div>
    </main>
  );
}

function AdminStep({ onDone }: { onDone: () => void }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () =>
      api("/api/v1/setup/admin", { method: "POST", body: { email, password, ...(name ? { name } : {}) } }),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ["me"] });
      onDone();
    },
    onError: (err) => {
      setError(err instanceof ApiError ? err.message : "Setup failed");
    },
  });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="stack" onSubmit={submit}>
      <Alert>{error}</Alert>
      <label>
        Your email
        <input
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
          }}
        />
      </label>
      <label>
        Your name
        <input
          autoComplete="name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
      </label>
      <label>
        Password (12 characters or more)
        <input
          type="password"
          autoComplete="new-password"
          minLength={12}
          required
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
          }}
        />
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        Create admin
      </button>
    </form>
  );
}

function ProviderStep() {
  const navigate = useNavigate();
  const providers = useQuery({
    queryKey: ["providers"],
    queryFn: () => api<ItemList<Provider>>("/api/v1/providers"),
  });
  const detected = providers.data?.items.filter((p) => p.source === "detected") ?? [];
  const configured = providers.data?.items.filter((p) => p.source !== "detected") ?? [];
  return (
    <div className="stack">
      {detected.map((p) => (
        <p key={p.id} className="notice" role="status">
          Found {p.name} at {p.baseURL} with {p.models.length} model{p.models.length === 1 ? "" : "s"}: it is
          ready to use.
        </p>
      ))}
      {configured.length > 0 && (
        <p className="muted">Configured: {configured.map((p) => p.name).join(", ")}.</p>
      )}
      <p>Connect a model provider (a local server, OpenAI, Anthropic, …):</p>
      <ProviderForm
        onAdded={() => {
          void navigate("/");
        }}
      />
      <button
        type="button"
        onClick={() => {
          void navigate("/");
        }}
      >
        {detected.length + configured.length > 0 ? "Start chatting" : "Skip for now"}
      </button>
    </div>
  );
}
