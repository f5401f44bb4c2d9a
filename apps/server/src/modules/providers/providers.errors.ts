import { defineErrors } from "../../kernel/define-errors.ts";

/** The providers module's codes: the providers and the model catalog. */
export const providersErrors = defineErrors({
  "provider.not_found": { status: 404, expose: true },
  "provider.disabled": { status: 409, expose: true },
  "model.not_found": { status: 404, expose: true },
});
