import { Route, Routes } from "react-router";
import { RuleHistoryPage } from "./rule-history-page.tsx";
import { RulePage } from "./rule-page.tsx";
import { RulesPage } from "./rules-page.tsx";

/** Rules: the list with its dry-run, a new rule, one rule, its history. */
export function RulesSection() {
  return (
    <Routes>
      <Route index element={<RulesPage />} />
      <Route path="new" element={<RulePage />} />
      <Route path=":id" element={<RulePage />} />
      <Route path=":id/history" element={<RuleHistoryPage />} />
    </Routes>
  );
}
