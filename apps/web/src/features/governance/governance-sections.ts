/** One entry of the Governance area's sub-navigation. */
export interface GovernanceSection {
  /** Where the section lives: `/governance/<name>`. */
  path: string;
  label: string;
}

/**
 * The Governance area's sections, in the order the sub-navigation lists them. A section is one
 * entry here and one route: below `/governance/*` in `governance-page.tsx`, or its own route in
 * `app.tsx` rendered inside `GovernanceLayout`. Only sections that exist are listed.
 */
export const GOVERNANCE_SECTIONS: readonly GovernanceSection[] = [
  { path: "/governance/rules", label: "Rules" },
  { path: "/governance/approvals", label: "Approvals" },
  { path: "/governance/decisions", label: "Decisions" },
  { path: "/governance/practices", label: "Practices" },
  { path: "/governance/prompts", label: "Prompts" },
];
