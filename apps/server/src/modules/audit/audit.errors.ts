import { AppError } from "../../kernel/app-error.ts";
import { defineErrors } from "../../kernel/define-errors.ts";

/** `audit.cursor_invalid` (400): the cursor was not one this API handed out. */
export function invalidCursor(cursor: string): AppError {
  return new AppError(
    "audit.cursor_invalid",
    "The cursor is not valid; pass `nextCursor` of the previous page",
    {
      details: { cursor },
    },
  );
}

/** The audit module's codes. */
export const auditErrors = defineErrors({
  "audit.cursor_invalid": { status: 400, expose: true },
});
