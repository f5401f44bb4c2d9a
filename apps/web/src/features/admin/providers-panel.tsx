import type { ItemList, Provider, ProviderTestResult } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";
import { ProviderEditForm } from "./provider-edit-form.tsx";
import { ProviderForm } from "./provider-form.tsx";

/** Every provider with where it comes from, a connection test, enable/disable and delete; and a form to add one. */
export function ProvidersSection() {
  const providers = useQuery({
    queryKey: ["providers"],
    queryFn: () => api<ItemList<Provider>>("/api/v1/providers"),
  });
  const [adding, setAdding] = useState(false);
  return (
    <section aria-labelledby="providers-heading" className="stack">
      <div className="row">
        <h2 id="providers-heading">Providers</h2>
        <button
          type="button"
          onClick={() => {
            setAdding(!adding);
          }}
          aria-expanded={adding}
        >
          {adding ? "Close" : "Add provider"}
        </button>
      </div>
      {adding && (
        <div className="card">
          <ProviderForm
            onAdded={() => {
              setAdding(false);
            }}
          />
        </div>
      )}
      <Alert>{providers.error ? errorText(providers.error) : null}</Alert>
      {providers.data?.items.length === 0 && (
        <p className="muted">No provider yet. Add one, or declare them with PARLEY_PROVIDERS.</p>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Kind</th>
            <th scope="col">Base URL</th>
            <th scope="col">Key</th>
            <th scope="col">Source</th>
            <th scope="col">Models</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {providers.data?.items.map((p) => (
            <ProviderRow key={p.id} provider={p} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ProviderRow({ provider }: { provider: Provider }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ["providers"] });
    await queryClient.invalidateQueries({ queryKey: ["models"] });
  };
  const test = useMutation({
    mutationFn: () => api<ProviderTestResult>(`/api/v1/providers/${provider.id}/test`, { method: "POST" }),
  });
  const toggle = useMutation({
    mutationFn: () =>
      api(`/api/v1/providers/${provider.id}`, { method: "PATCH", body: { enabled: !provider.enabled } }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api(`/api/v1/providers/${provider.id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  const result = test.data;
  return (
    <>
      <tr>
        <th scope="row">
          {provider.name}
          {provider.name !== provider.id && <span className="muted"> ({provider.id})</span>}
        </th>
        <td>{provider.type}</td>
        <td className="url">{provider.baseURL ?? "vendor default"}</td>
        <td>{provider.hasApiKey ? "stored" : "none"}</td>
        <td>{provider.source}</td>
        <td>{provider.models.length}</td>
        <td>
          {provider.enabled ? "enabled" : "disabled"}
          {result && (
            <span role="status" className={result.ok ? "ok" : "error"}>
              {" "}
              ·{" "}
              {result.ok
                ? `answered in ${result.latencyMs} ms, ${result.models.length} models`
                : (result.error?.message ?? "failed")}
            </span>
          )}
          <Alert inline>
            {test.error
              ? errorText(test.error)
              : (toggle.error ?? remove.error)
                ? errorText(toggle.error ?? remove.error)
                : null}
          </Alert>
        </td>
        <td className="actions">
          <div className="row">
            <button
              type="button"
              onClick={() => {
                test.mutate();
              }}
              disabled={test.isPending}
            >
              {test.isPending ? "Testing…" : "Test"}
            </button>
            {provider.editable && (
              <>
                <button
                  type="button"
                  aria-expanded={editing}
                  onClick={() => {
                    setEditing(!editing);
                  }}
                >
                  Edit
                </button>
                <button
                  type="button"
                  onClick={() => {
                    toggle.mutate();
                  }}
                  disabled={toggle.isPending}
                >
                  {provider.enabled ? "Disable" : "Enable"}
                </button>
                <button
                  type="button"
                  onClick={() => {
                    setConfirming(true);
                  }}
                >
                  Delete
                </button>
                <ConfirmDialog
                  open={confirming}
                  onOpenChange={setConfirming}
                  title={`Delete provider ${provider.name}?`}
                  description="Its models and their settings go with it; conversations keep their history."
                  confirmLabel="Delete"
                  onConfirm={() => {
                    remove.mutate();
                  }}
                />
              </>
            )}
          </div>
        </td>
      </tr>
      {editing && (
        <tr>
          <td colSpan={8}>
            <ProviderEditForm
              provider={provider}
              onDone={() => {
                setEditing(false);
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}
