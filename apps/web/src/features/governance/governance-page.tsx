import { Navigate, Route, Routes } from "react-router";
import { PracticesPage } from "../practices/practices-page.tsx";
import { PromptsPage } from "../prompts/prompts-page.tsx";
import { ApprovalsPage } from "./approvals-page.tsx";
import { DecisionsPage } from "./decisions-page.tsx";
import { GovernanceLayout } from "./governance-layout.tsx";
import { RulesSection } from "./rules-section.tsx";

/** `/governance/*`: each section one route here (and one entry in `GOVERNANCE_SECTIONS`). */
export function GovernancePage() {
  return (
    <GovernanceLayout>
      <Routes>
        <Route path="rules/*" element={<RulesSection />} />
        <Route path="approvals" element={<ApprovalsPage />} />
        <Route path="decisions" element={<DecisionsPage />} />
        <Route path="practices" element={<PracticesPage />} />
        <Route path="prompts" element={<PromptsPage />} />
        <Route path="prompts/:id" element={<PromptsPage />} />
        <Route path="*" element={<Navigate to="/governance/rules" replace />} />
      </Routes>
    </GovernanceLayout>
  );
}
