import type { SetupStatus } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { api } from "./api.ts";
import { LoginPage } from "./features/auth/login-page.tsx";
import { useMe } from "./features/auth/use-me.ts";
import { ChatPage } from "./features/chat/chat-page.tsx";

// Screens most visits never open are loaded on demand, keeping the first load small.
const AdminPage = lazy(() =>
  import("./features/admin/admin-page.tsx").then((m) => ({ default: m.AdminPage })),
);
const AccountPage = lazy(() =>
  import("./features/account/account-page.tsx").then((m) => ({ default: m.AccountPage })),
);
const ResetPasswordPage = lazy(() =>
  import("./features/account/reset-password-page.tsx").then((m) => ({ default: m.ResetPasswordPage })),
);
const InvitePage = lazy(() =>
  import("./features/teams/invite-page.tsx").then((m) => ({ default: m.InvitePage })),
);
const TeamsPage = lazy(() =>
  import("./features/teams/teams-page.tsx").then((m) => ({ default: m.TeamsPage })),
);
const AssistantsPage = lazy(() =>
  import("./features/assistants/assistants-page.tsx").then((m) => ({ default: m.AssistantsPage })),
);
const GovernancePage = lazy(() =>
  import("./features/governance/governance-page.tsx").then((m) => ({ default: m.GovernancePage })),
);
const GuidesPage = lazy(() =>
  import("./features/guides/guides-page.tsx").then((m) => ({ default: m.GuidesPage })),
);
const KnowledgePage = lazy(() =>
  import("./features/knowledge/knowledge-page.tsx").then((m) => ({ default: m.KnowledgePage })),
);
const SetupPage = lazy(() =>
  import("./features/auth/setup-page.tsx").then((m) => ({ default: m.SetupPage })),
);
const StatusPage = lazy(() =>
  import("./features/status/status-page.tsx").then((m) => ({ default: m.StatusPage })),
);

function RequireSession({ children }: { children: ReactNode }) {
  const me = useMe();
  const setup = useQuery({
    queryKey: ["setup"],
    queryFn: () => api<SetupStatus>("/api/v1/setup"),
    enabled: me.data === null,
  });
  if (me.isPending || (me.data === null && setup.isPending)) return <p className="muted page">Loading…</p>;
  if (!me.data) return <Navigate to={setup.data?.needsAdmin ? "/setup" : "/login"} replace />;
  return children;
}

/** Administration, given what the signed-in user may do (RequireSession has loaded them). */
function AdminRoute() {
  return <AdminPage permissions={useMe().data?.permissions ?? []} />;
}

/** The app's routes. */
export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<p className="muted page">Loading…</p>}>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/setup" element={<SetupPage />} />
          <Route path="/status" element={<StatusPage />} />
          <Route path="/invite/:token" element={<InvitePage />} />
          <Route path="/reset-password" element={<ResetPasswordPage />} />
          <Route
            path="/account"
            element={
              <RequireSession>
                <AccountPage />
              </RequireSession>
            }
          />
          <Route
            path="/teams"
            element={
              <RequireSession>
                <TeamsPage />
              </RequireSession>
            }
          />
          <Route
            path="/teams/:id"
            element={
              <RequireSession>
                <TeamsPage />
              </RequireSession>
            }
          />
          <Route
            path="/"
            element={
              <RequireSession>
                <ChatPage />
              </RequireSession>
            }
          />
          <Route
            path="/c/:id"
            element={
              <RequireSession>
                <ChatPage />
              </RequireSession>
            }
          />
          <Route
            path="/assistants"
            element={
              <RequireSession>
                <AssistantsPage />
              </RequireSession>
            }
          />
          <Route
            path="/assistants/:id"
            element={
              <RequireSession>
                <AssistantsPage />
              </RequireSession>
            }
          />
          <Route
            path="/knowledge"
            element={
              <RequireSession>
                <KnowledgePage />
              </RequireSession>
            }
          />
          <Route
            path="/knowledge/:id"
            element={
              <RequireSession>
                <KnowledgePage />
              </RequireSession>
            }
          />
          <Route
            path="/guides/*"
            element={
              <RequireSession>
                <GuidesPage />
              </RequireSession>
            }
          />
          <Route
            path="/governance/*"
            element={
              <RequireSession>
                <GovernancePage />
              </RequireSession>
            }
          />
          <Route
            path="/admin/*"
            element={
              <RequireSession>
                <AdminRoute />
              </RequireSession>
            }
          />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
