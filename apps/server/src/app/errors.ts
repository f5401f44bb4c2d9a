import { mergeErrors } from "../kernel/define-errors.ts";
import { kernelErrors } from "../kernel/kernel.errors.ts";
import { httpErrors } from "../http/http.errors.ts";
import { MODULES } from "./modules.ts";

/** Each manifest's error table, in module order, as a tuple (so the compiler sees every code). */
type ErrorsOf<T extends readonly { errors: unknown }[]> = { -readonly [I in keyof T]: T[I]["errors"] };

/**
 * Every error code with its HTTP status and visibility, merged from the kernel's, the HTTP edge's
 * and each module manifest's part. This does not compile while an `ErrorCode` is undeclared or
 * declared twice.
 */
export const errorCatalog = mergeErrors([
  kernelErrors,
  httpErrors,
  ...(MODULES.map((m) => m.errors) as ErrorsOf<typeof MODULES>),
]);
