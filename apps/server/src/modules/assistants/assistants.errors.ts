import { defineErrors } from "../../kernel/define-errors.ts";

/** The assistants module's codes. A client that gets one drops the assistant it holds. */
export const assistantsErrors = defineErrors({
  "assistant.not_found": { status: 404, expose: true },
  // The editor picks other knowledge bases, or makes the assistant private.
  "assistant.knowledge_base_not_in_team": { status: 400, expose: true },
});
