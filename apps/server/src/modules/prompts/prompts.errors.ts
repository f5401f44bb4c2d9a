import { defineErrors } from "../../kernel/define-errors.ts";

/** The prompts module's codes. */
export const promptsErrors = defineErrors({
  "prompt.not_found": { status: 404, expose: true },
  "prompt.version_not_found": { status: 404, expose: true },
  // Someone saved a version since the client read the prompt: it reloads and edits again.
  "prompt.version_conflict": { status: 409, expose: true },
  "prompt.slug_taken": { status: 409, expose: true },
  "prompt.invalid_template": { status: 400, expose: true },
  "prompt.invalid_variables": { status: 400, expose: true },
  "prompt.wrong_kind": { status: 400, expose: true },
  "prompt.label_not_found": { status: 404, expose: true },
  "prompt.label_protected": { status: 409, expose: true },
  "prompt.change_request_not_found": { status: 404, expose: true },
  "prompt.change_request_decided": { status: 409, expose: true },
  "prompt.approval_refused": { status: 403, expose: true },
});
