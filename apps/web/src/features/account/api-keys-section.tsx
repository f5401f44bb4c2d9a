import type { ApiKey, ApiKeyCreated, ItemList, Me, Permission } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Alert } from "../../components/ui/alert.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { errorText } from "../../failures.ts";

/** Your API keys: list, create with a subset of your permissions (optionally for one team), revoke. */
export function ApiKeysSection({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: () => api<ItemList<ApiKey>>("/api/v1/api-keys") });
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<Permission[]>(
    me.permissions.includes("ai:use") ? ["ai:use"] : [],
  );
  const [teamId, setTeamId] = useState("");
  const [days, setDays] = useState("");
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const create = useMutation({
    mutationFn: () =>
      api<ApiKeyCreated>("/api/v1/api-keys", {
        method: "POST",
        body: {
          name,
          permissions,
          ...(teamId ? { teamId } : {}),
          ...(days ? { expiresInDays: Number(days) } : {}),
        },
      }),
    onSuccess: async () => {
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/v1/api-keys/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  const teamName = (id: string | null) =>
    id ? (me.teams.find((t) => t.id === id)?.name ?? "another team") : "all your access";
  return (
    <section aria-labelledby="keys-heading" className="card">
      <h2 id="keys-heading">API keys</h2>
      <p className="muted">
        For programs. A key holds only the permissions you tick (and never more than you hold); it cannot
        change your password or sessions.
      </p>
      {create.data && (
        <div className="notice" role="status">
          <p>Copy this key now: it will not be shown again.</p>
          <input aria-label="New API key" readOnly value={create.data.key} className="secret" />
        </div>
      )}
      <Alert>{(keys.error ?? revoke.error) ? errorText(keys.error ?? revoke.error) : undefined}</Alert>
      {keys.data && keys.data.items.length === 0 && <p className="muted">No keys yet.</p>}
      {keys.data && keys.data.items.length > 0 && (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Acts in</th>
                <th scope="col">Permissions</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Revoke</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.id}>
                  <th scope="row">{k.name}</th>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{teamName(k.teamId)}</td>
                  <td>{k.permissions.join(", ")}</td>
                  <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : "never"}</td>
                  <td>
                    {k.revokedAt ? (
                      <span className="muted">revoked</span>
                    ) : (
                      <button
                        type="button"
                        aria-label={`Revoke ${k.name}`}
                        onClick={() => {
                          setRevoking(k);
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <h3>Create a key</h3>
        <label>
          Key name
          <input
            required
            maxLength={100}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
          />
        </label>
        <label>
          Team
          <select
            value={teamId}
            onChange={(e) => {
              setTeamId(e.target.value);
            }}
          >
            <option value="">None: acts with all your access</option>
            {me.teams.map((t) => (
              <option key={t.id} value={t.id}>
                Only in {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires after (days)
          <input
            type="number"
            min={1}
            max={3650}
            placeholder="never"
            value={days}
            onChange={(e) => {
              setDays(e.target.value);
            }}
          />
        </label>
        <fieldset className="permission-picker">
          <legend>Permissions</legend>
          {me.permissions.map((p) => (
            <label key={p}>
              <input
                type="checkbox"
                checked={permissions.includes(p)}
                onChange={(e) => {
                  setPermissions(e.target.checked ? [...permissions, p] : permissions.filter((x) => x !== p));
                }}
              />{" "}
              {p}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={create.isPending || permissions.length === 0}>
          Create key
        </button>
      </form>
      <Alert>{create.error ? errorText(create.error) : undefined}</Alert>
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => {
          if (!open) setRevoking(null);
        }}
        title={`Revoke ${revoking?.name ?? ""}?`}
        description="Programs using this key are refused from now on. This cannot be undone; a new key can be created."
        confirmLabel="Revoke key"
        onConfirm={() => {
          if (revoking) revoke.mutate(revoking.id);
        }}
      />
    </section>
  );
}
