import type { SetupStatus } from "@parley/contracts";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { api } from "./api.ts";
import { SetupPage } from "./features/auth/setup-page.tsx";
import { AdminPage } from "./features/admin/admin-page.tsx";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { LoginPage } from "./features/auth/login-page.tsx";
import { useMe } from "./features/auth/use-me.ts";
import { ChatPage } from "./features/chat/chat-page.tsx";
import { StatusPage } from "./features/status/status-page.tsx";

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

/** The app's routes. */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/status" element={<StatusPage />} />
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
          path="/admin/*"
          element={
            <RequireSession>
              <AdminPage />
            </RequireSession>
          }
        />
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </BrowserRouter>
  );
}
