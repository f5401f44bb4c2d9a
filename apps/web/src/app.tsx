import type { ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes } from "react-router";
import { LoginPage } from "./features/auth/login-page.tsx";
import { useMe } from "./features/auth/use-me.ts";
import { ChatPage } from "./features/chat/chat-page.tsx";
import { StatusPage } from "./features/status/status-page.tsx";

function RequireSession({ children }: { children: ReactNode }) {
  const me = useMe();
  if (me.isPending) return <p className="muted page">Loading…</p>;
  if (!me.data) return <Navigate to="/login" replace />;
  return children;
}

/** The app's routes. */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
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
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </BrowserRouter>
  );
}
