import { NavLink } from "react-router";
import { useMe } from "../auth/use-me.ts";
import { Panel } from "../admin/panel.tsx";
import { ApiKeysSection } from "./api-keys-section.tsx";
import { BillingSection } from "./billing-section.tsx";
import { PasswordSection } from "./password-section.tsx";
import { ProfileSection } from "./profile-section.tsx";
import { SessionsSection } from "./sessions-section.tsx";

/** Your account: name, password, where you are signed in, your API keys, your balance and usage. */
export function AccountPage() {
  const me = useMe();
  const user = me.data?.user;
  return (
    <div className="admin">
      <nav aria-label="Account" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Account
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        <a href="#profile-heading">Profile</a>
        {user?.hasPassword && <a href="#password-heading">Password</a>}
        <a href="#sessions-heading">Sessions</a>
        {me.data?.permissions.includes("api-keys:manage") && <a href="#keys-heading">API keys</a>}
        {me.data?.permissions.includes("billing:read") && <a href="#billing-heading">Balance and usage</a>}
      </nav>
      <main className="admin-main account-page">
        <Panel title="Your account" loading={me.isPending} error={me.error}>
          {me.data && user && (
            <>
              <p className="muted">
                {user.email} · global role {user.globalRole}
                {me.data.teams.length > 0 &&
                  ` · ${me.data.teams.map((t) => `${t.name} (${t.role})`).join(", ")}`}
              </p>
              <ProfileSection name={user.name} />
              {user.hasPassword ? (
                <PasswordSection />
              ) : (
                <p className="muted">You sign in through single sign-on; your password is managed there.</p>
              )}
              <SessionsSection />
              {me.data.permissions.includes("api-keys:manage") && <ApiKeysSection me={me.data} />}
              {me.data.permissions.includes("billing:read") && <BillingSection me={me.data} />}
            </>
          )}
        </Panel>
      </main>
    </div>
  );
}
