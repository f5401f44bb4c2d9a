import { defineErrors } from "../../kernel/define-errors.ts";

/** The guides module's codes. */
export const guidesErrors = defineErrors({
  "guide.not_found": { status: 404, expose: true },
  "guide.task_not_found": { status: 404, expose: true },
  // Someone changed the guide since the client read it: it reloads and changes it again.
  "guide.version_conflict": { status: 409, expose: true },
  // An edit of the markdown must name the version it was made on (428 Precondition Required).
  "guide.version_required": { status: 428, expose: true },
  "guide.too_large": { status: 413, expose: true },
  "guide.template_not_found": { status: 404, expose: true },
  "guide.template_variables": { status: 400, expose: true },
  "guide.template_name_taken": { status: 409, expose: true },
  "guide.project_not_in_team": { status: 400, expose: true },
  // The model answered something else than the schema asked for: a provider-side failure.
  "guide.draft_invalid": { status: 502, expose: true },
});
