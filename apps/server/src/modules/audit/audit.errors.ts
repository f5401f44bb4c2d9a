import { AppError } from "../../kernel/app-error.ts";

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
