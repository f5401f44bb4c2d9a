import type { FieldErrors } from "./rule-draft.ts";

/** The id of the message beside field `key`, for `aria-describedby`. */
export function errorId(key: string): string {
  return `rule-error-${key.replaceAll(".", "-") || "form"}`;
}

/**
 * The props that tie a control to its message: `aria-invalid` and `aria-describedby` while there
 * is one, so a screen reader reads the problem with the field.
 */
export function invalidProps(errors: FieldErrors, key: string) {
  return errors[key] ? { "aria-invalid": true, "aria-describedby": errorId(key) } : {};
}

/** For a group of controls (a fieldset): its message read with it, without `aria-invalid`. */
export function describedBy(errors: FieldErrors, key: string) {
  return errors[key] ? { "aria-describedby": errorId(key) } : {};
}

/** The message beside a field, when it has one. */
export function FieldError({ errors, at }: { errors: FieldErrors; at: string }) {
  const message = errors[at];
  if (!message) return null;
  return (
    <p className="field-error" id={errorId(at)}>
      {message}
    </p>
  );
}
