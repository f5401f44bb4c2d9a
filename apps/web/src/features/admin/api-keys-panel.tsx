import { Alert } from "../../components/ui/alert.tsx";
import type { ApiKey, ApiKeyCreated, ItemList, Permission } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Panel } from "./panel.tsx";

const COMMON: Permission[] = ["ai:use", "conversations:read", "conversations:write", "profile:read"];

/** Your API keys: a new key is shown exactly once. */
export function ApiKeysPanel() {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: () => api<ItemList<ApiKey>>("/api/v1/api-keys"),
  });
  const [name, setName] = useState("");
  const [permissions, setPermissions] = useState<Permission[]>(["ai:use"]);
  const [shown, setShown] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<ApiKeyCreated>("/api/v1/api-keys", { method: "POST", body: { name, permissions } }),
    onSuccess: async (created) => {
      setShown(created.key);
      setName("");
      await queryClient.invalidateQueries({ queryKey: ["api-keys"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/v1/api-keys/${id}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
  return (
    <Panel title="API keys" loading={keys.isPending} error={keys.error}>
      {shown && (
        <div className="notice" role="status">
          <p>Copy this key now: it will not be shown again.</p>
          <code className="secret">{shown}</code>
        </div>
      )}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Permissions</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Revoke</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.data?.items.map((k) => (
            <tr key={k.id}>
              <th scope="row">{k.name}</th>
              <td>
                <code>{k.prefix}…</code>
              </td>
              <td>{k.permissions.join(", ")}</td>
              <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : "never"}</td>
              <td>
                {k.revokedAt ? (
                  <span className="muted">revoked</span>
                ) : (
                  <button
                    type="button"
                    onClick={() => {
                      revoke.mutate(k.id);
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
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <h2>Create a key</h2>
        <label>
          Key name{" "}
          <input
            required
            value={name}
            onChange={(e) => {
              setName(e.target.value);
            }}
          />
        </label>
        <fieldset>
          <legend>Permissions</legend>
          {COMMON.map((p) => (
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
        <Alert>{create.error?.message}</Alert>
      </form>
    </Panel>
  );
}
