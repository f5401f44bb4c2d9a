import { defineErrors } from "../../kernel/define-errors.ts";

/** The practices module's codes. */
export const practicesErrors = defineErrors({
  "practice.not_found": { status: 404, expose: true },
  "practice.version_not_found": { status: 404, expose: true },
  // Someone saved a version since the client read the practice: it reloads and edits again.
  "practice.version_conflict": { status: 409, expose: true },
  "practice.project_not_in_team": { status: 400, expose: true },
  "practice.limit_reached": { status: 409, expose: true },
});
