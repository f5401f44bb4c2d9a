import { NavLink, Route, Routes } from "react-router";
import { ApiKeysPanel } from "./api-keys-panel.tsx";
import { AuditPanel } from "./audit-panel.tsx";
import { ModelsPanel } from "./models-panel.tsx";
import { TeamsPanel } from "./teams-panel.tsx";
import { UsagePanel } from "./usage-panel.tsx";
import { UsersPanel } from "./users-panel.tsx";

const SECTIONS = [
  ["models", "Providers & models"],
  ["users", "Users"],
  ["teams", "Teams"],
  ["keys", "API keys"],
  ["usage", "Usage"],
  ["audit", "Audit log"],
] as const;

/** Administration: one page per area, reachable from the chat's sidebar. */
export function AdminPage() {
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
        {SECTIONS.map(([path, label]) => (
          <NavLink key={path} to={`/admin/${path}`}>
            {label}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        <Routes>
          <Route path="models" element={<ModelsPanel />} />
          <Route path="users" element={<UsersPanel />} />
          <Route path="teams" element={<TeamsPanel />} />
          <Route path="keys" element={<ApiKeysPanel />} />
          <Route path="usage" element={<UsagePanel />} />
          <Route path="audit" element={<AuditPanel />} />
          <Route path="*" element={<ModelsPanel />} />
        </Routes>
      </main>
    </div>
  );
}
