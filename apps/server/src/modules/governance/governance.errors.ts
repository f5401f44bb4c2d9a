import { defineErrors } from "../../kernel/define-errors.ts";

/** The governance module's codes. */
export const governanceErrors = defineErrors({
  "governance.rule_not_found": { status: 404, expose: true },
  "governance.rule_version_not_found": { status: 404, expose: true },
  // Someone saved a version since the client read the rule: it reloads and edits again.
  "governance.rule_version_conflict": { status: 409, expose: true },
  // Fail closed: a check that could not run blocks the call (the rule did not choose fail-open).
  "governance.check_failed": { status: 503, expose: true },
  "governance.approval_denied": { status: 403, expose: true },
  "governance.approval_not_found": { status: 404, expose: true },
  "governance.approval_decided": { status: 409, expose: true },
});
