import type { Permission } from "@parley/contracts";
import type { ReactNode } from "react";
import { Navigate, NavLink, Route, Routes } from "react-router";
import { BillingArea } from "../billing/billing-area.tsx";
import { ApiKeysPanel } from "./api-keys-panel.tsx";
import { AuditPanel } from "./audit-panel.tsx";
import { ModelsPanel } from "./models-panel.tsx";
import { TeamsPanel } from "./teams-panel.tsx";
import { UsagePanel } from "./usage-panel.tsx";
import { UsersPanel } from "./users-panel.tsx";

/** Each area, and the permission (held somewhere) that makes it of use. */
const SECTIONS = [
  { path: "models", label: "Providers & models", permission: "providers:read", element: <ModelsPanel /> },
  { path: "users", label: "Users", permission: "users:read", element: <UsersPanel /> },
  { path: "teams", label: "Teams", permission: "teams:read", element: <TeamsPanel /> },
  { path: "keys", label: "API keys", permission: "api-keys:manage", element: <ApiKeysPanel /> },
  { path: "usage", label: "Usage", permission: "usage:read", element: <UsagePanel /> },
  // Team admins manage their teams' budgets; balances and refunds are for global admins.
  { path: "billing", label: "Billing", permission: "budgets:manage", element: <BillingArea /> },
  { path: "audit", label: "Audit log", permission: "audit:read", element: <AuditPanel /> },
] as const satisfies readonly { path: string; label: string; permission: Permission; element: ReactNode }[];

/**
 * Administration: one page per area, reachable from the chat's sidebar. Only the areas the
 * user's `permissions` (held anywhere) make of use are offered; opening another by its address says so and shows
 * none of its forms.
 */
export function AdminPage({ permissions }: { permissions: readonly Permission[] }) {
  const held = new Set(permissions);
  const offered = SECTIONS.filter((s) => held.has(s.permission));
  return (
    <div className="admin">
      <nav aria-label="Administration" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Administration
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        {offered.map((s) => (
          <NavLink key={s.path} to={`/admin/${s.path}`}>
            {s.label}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        <Routes>
          {SECTIONS.map((s) => (
            <Route
              key={s.path}
              path={s.path}
              element={
                held.has(s.permission) ? s.element : <NotOffered label={s.label} permission={s.permission} />
              }
            />
          ))}
          <Route
            path="*"
            element={offered[0] ? <Navigate to={`/admin/${offered[0].path}`} replace /> : <NothingOffered />}
          />
        </Routes>
      </main>
    </div>
  );
}

function NotOffered({ label, permission }: { label: string; permission: Permission }) {
  return (
    <section className="panel" aria-labelledby="not-offered">
      <h1 id="not-offered">{label}</h1>
      <p role="note">
        This area needs the <code>{permission}</code> permission, which your role does not grant. Ask an
        administrator if you need it.
      </p>
    </section>
  );
}

function NothingOffered() {
  return (
    <section className="panel" aria-labelledby="nothing-offered">
      <h1 id="nothing-offered">Administration</h1>
      <p role="note">Your role offers no administration area. Ask an administrator if you need one.</p>
    </section>
  );
}
