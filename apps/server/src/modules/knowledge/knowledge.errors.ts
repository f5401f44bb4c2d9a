import { defineErrors } from "../../kernel/define-errors.ts";

/** The knowledge module's codes. A client that gets one drops the base or document it holds. */
export const knowledgeErrors = defineErrors({
  "knowledge_base.not_found": { status: 404, expose: true },
  "document.not_found": { status: 404, expose: true },
  // The message names the limit in MB; details: { limitBytes, limit: "file" | "storage", file }.
  "knowledge.too_large": { status: 413, expose: true },
});
