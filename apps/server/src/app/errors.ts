import { mergeErrors } from "../kernel/define-errors.ts";
import { kernelErrors } from "../kernel/kernel.errors.ts";
import { httpErrors } from "../http/http.errors.ts";
import { aiErrors } from "../modules/ai/ai.errors.ts";
import { assistantsErrors } from "../modules/assistants/assistants.errors.ts";
import { auditErrors } from "../modules/audit/audit.errors.ts";
import { chatErrors } from "../modules/chat/chat.errors.ts";
import { identityErrors } from "../modules/identity/identity.errors.ts";
import { providersErrors } from "../modules/providers/providers.errors.ts";

/**
 * Every error code with its HTTP status and visibility, merged from the part each module
 * declares. This does not compile while an `ErrorCode` is undeclared or declared twice.
 */
export const errorCatalog = mergeErrors([
  kernelErrors,
  httpErrors,
  identityErrors,
  auditErrors,
  providersErrors,
  aiErrors,
  assistantsErrors,
  chatErrors,
]);
