import { ApiError } from "../../api.ts";
import type { FieldErrors } from "./rule-draft.ts";

/** The fields the rule form shows errors beside; any other path is the form's. */
const FIELD =
  /^(name|description|tier|action|failOpen|approvalTimeoutSeconds|teamId|scope\.(?:surfaces|projectId|models)|condition\.detectors(?:\.\d+(?:\.(?:kinds|pattern|flags|words))?)?|condition\.(?:allowedModels|maxInputTokens|maxOutputTokens|maxCostMicros|requireValidJson)|condition)(?:\.|$)/;

/** The field a request path names: `spec.condition.detectors.0.words.3` is detector 0's words. */
export function fieldOf(path: string): string {
  return FIELD.exec(path.replace(/^spec\./, ""))?.[1] ?? "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * The server's refusal of a rule, by field: a validation failure's `issues` (schema), or the
 * `path` a service names (a detector that cannot be built). Empty for any other error.
 * @example
 * serverFieldErrors(new ApiError(400, "validation.failed", "…", { issues: [{ path: "spec.name", message: "Too big" }] }))
 * // { name: "Too big" }
 */
export function serverFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError) || error.code !== "validation.failed" || !isRecord(error.details))
    return {};
  const errors: FieldErrors = {};
  const add = (path: unknown, message: unknown) => {
    if (typeof path !== "string" || typeof message !== "string") return;
    const field = fieldOf(path);
    errors[field] = errors[field] ? `${errors[field]} ${message}` : message;
  };
  const { issues, path, reason } = error.details;
  if (Array.isArray(issues)) for (const issue of issues) if (isRecord(issue)) add(issue.path, issue.message);
  if (typeof path === "string") add(path, typeof reason === "string" ? reason : error.message);
  return errors;
}
