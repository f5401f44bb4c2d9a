import { defineErrors } from "../../kernel/define-errors.ts";

/** The projects module's codes. */
export const projectsErrors = defineErrors({
  "project.not_found": { status: 404, expose: true },
  // The client asks for another name; names are compared ignoring case.
  "project.name_taken": { status: 409, expose: true },
});
