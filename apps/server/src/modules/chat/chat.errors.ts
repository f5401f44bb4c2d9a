import type { ErrorCode } from "@parley/contracts";
import { defineErrors, type ErrorSpec } from "../../kernel/define-errors.ts";

const declared = defineErrors({
  "conversation.not_found": { status: 404, expose: true },
  "message.not_found": { status: 404, expose: true },
});

/**
 * `worker.lost` fails an answer whose worker stopped (`lost-answers.ts`); it is never an HTTP
 * answer. It joins `ErrorCode` with the typed bus work: until then this conditional type keeps it
 * out of the table's type, so both orders of merging compile. Once `ErrorCode` lists it, move the
 * entry into `defineErrors` above and delete this bridge.
 */
type ChatErrors = "worker.lost" extends ErrorCode
  ? typeof declared & { readonly "worker.lost": ErrorSpec }
  : typeof declared;
const workerLost = { "worker.lost": { status: 500, expose: true } };

/** The chat module's codes. A client that gets one drops the conversation or message it holds. */
export const chatErrors: ChatErrors = { ...declared, ...workerLost };
