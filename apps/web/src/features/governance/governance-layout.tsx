import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { useMe } from "../auth/use-me.ts";
import { mayReadGovernance } from "./governance-access.ts";
import { GOVERNANCE_SECTIONS } from "./governance-sections.ts";
import "./governance.css";

/**
 * The Governance area's frame: its sub-navigation (a landmark listing `GOVERNANCE_SECTIONS`) and
 * the section on the right; someone without `governance:read` is told so instead.
 * @example
 * <GovernanceLayout><PracticesPage /></GovernanceLayout>
 */
export function GovernanceLayout({ children }: { children: ReactNode }) {
  const me = useMe().data;
  return (
    <div className="admin governance">
      <nav aria-label="Governance" className="admin-nav">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            P
          </span>
          Governance
        </div>
        <NavLink to="/">← Back to chat</NavLink>
        {GOVERNANCE_SECTIONS.map((section) => (
          <NavLink key={section.path} to={section.path}>
            {section.label}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        {mayReadGovernance(me) ? (
          children
        ) : (
          <section className="panel">
            <h1>Governance</h1>
            <p className="muted">Reading governance rules needs the governance:read permission.</p>
          </section>
        )}
      </main>
    </div>
  );
}
