import type { DOCUMENT_TYPES } from "@parley/contracts";

/**
 * The contract's `DOCUMENT_TYPES`, restated because the web app imports only types from
 * `@parley/contracts` (ADR 0008); the two `satisfies` checks fail to compile when they differ.
 */
const TYPES = {
  "text/plain": [".txt"],
  "text/markdown": [".md", ".markdown"],
  "text/html": [".html", ".htm"],
  "text/csv": [".csv"],
  "application/pdf": [".pdf"],
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
} as const satisfies typeof DOCUMENT_TYPES;
type Same = typeof DOCUMENT_TYPES extends typeof TYPES ? true : never;
const _same: Same = true;

/** What people call each accepted type. */
const LABELS: Record<keyof typeof TYPES, string> = {
  "text/plain": "Text",
  "text/markdown": "Markdown",
  "text/html": "HTML",
  "text/csv": "CSV",
  "application/pdf": "PDF",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
};

/** Every accepted file extension, with its dot: `.txt`, `.md`, … */
export const ACCEPTED_EXTENSIONS: readonly string[] = Object.values(TYPES).flat();

/** Whether a file of this name can go into a knowledge base (the server goes by extension too). */
export function isAccepted(filename: string): boolean {
  const dot = filename.lastIndexOf(".");
  return dot > 0 && ACCEPTED_EXTENSIONS.includes(filename.slice(dot).toLowerCase());
}

/**
 * A document's type in words.
 * @example typeLabel("text/markdown") // "Markdown"
 */
export function typeLabel(mediaType: string): string {
  return Object.hasOwn(LABELS, mediaType) ? LABELS[mediaType as keyof typeof TYPES] : mediaType;
}

/**
 * A size in bytes as people read it (powers of 1024, one decimal below 10).
 * @example formatBytes(1536) // "1.5 KB"
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit] ?? "B"}`;
}
