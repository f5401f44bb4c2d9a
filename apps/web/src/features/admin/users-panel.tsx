import { Alert } from "../../components/ui/alert.tsx";
import type { ItemList, Me, Role, User } from "@parley/contracts";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { Panel } from "./panel.tsx";
import { UserActions } from "./user-actions.tsx";

const ROLES: Role[] = ["admin", "operator", "developer", "viewer"];

/** Accounts: create, change role, disable, reset a password, delete. */
export function UsersPanel() {
  const queryClient = useQueryClient();
  // The session check loaded the caller before any admin page (auth imports admin: no useMe here).
  const me = queryClient.getQueryData<Me | null>(["me"]);
  const manages = me?.permissions.includes("users:manage") ?? false;
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => api<ItemList<User>>("/api/v1/users?limit=200"),
  });
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("developer");
  const create = useMutation({
    mutationFn: () =>
      api("/api/v1/users", { method: "POST", body: { email, name, password, globalRole: role } }),
    onSuccess: async () => {
      setEmail("");
      setName("");
      setPassword("");
      await queryClient.invalidateQueries({ queryKey: ["users"] });
    },
  });
  const update = useMutation({
    mutationFn: (change: { id: string; globalRole: Role }) =>
      api(`/api/v1/users/${change.id}`, { method: "PATCH", body: { globalRole: change.globalRole } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <Panel title="Users" loading={users.isPending} error={users.error ?? update.error}>
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            {manages && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {users.data?.items.map((u) => (
            <tr key={u.id}>
              <th scope="row">{u.email}</th>
              <td>{u.name}</td>
              <td>
                {manages && u.id !== me?.user.id ? (
                  <select
                    aria-label={`Role of ${u.email}`}
                    value={u.globalRole}
                    onChange={(e) => {
                      update.mutate({ id: u.id, globalRole: e.target.value as Role });
                    }}
                  >
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                ) : (
                  u.globalRole
                )}
              </td>
              <td>{u.status}</td>
              {manages && (
                <td>
                  {u.id === me?.user.id ? (
                    <span className="muted">you (change yours on your account page)</span>
                  ) : (
                    <UserActions user={u} />
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {manages && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <h2>Add a user</h2>
          <label>
            Email{" "}
            <input
              type="email"
              required
              value={email}
              onChange={(e) => {
                setEmail(e.target.value);
              }}
            />
          </label>
          <label>
            Name{" "}
            <input
              required
              value={name}
              onChange={(e) => {
                setName(e.target.value);
              }}
            />
          </label>
          <label>
            Password{" "}
            <input
              type="password"
              minLength={12}
              required
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
              }}
            />
          </label>
          <label>
            Role{" "}
            <select
              value={role}
              onChange={(e) => {
                setRole(e.target.value as Role);
              }}
            >
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={create.isPending}>
            Add user
          </button>
          <Alert>{create.error?.message}</Alert>
        </form>
      )}
    </Panel>
  );
}
