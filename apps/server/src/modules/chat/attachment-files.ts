import { extname } from "node:path";
import { ATTACHMENT_IMAGE_TYPES, ATTACHMENT_LIMITS, DOCUMENT_TYPES } from "@parley/contracts";
import { AppError } from "../../kernel/app-error.ts";
import { toMarkdown } from "../knowledge/index.ts";

/** Source code and data files read as plain text, by extension. */
const TEXT_EXTENSIONS = [
  ".json",
  ".jsonl",
  ".yaml",
  ".yml",
  ".toml",
  ".ini",
  ".cfg",
  ".conf",

  ".xml",
  ".log",
  ".ts",
  ".tsx",
  ".js",
  ".jsx",
  ".mjs",
  ".cjs",
  ".py",
  ".rb",
  ".go",
  ".rs",
  ".java",
  ".kt",
  ".swift",
  ".c",
  ".h",
  ".cc",
  ".cpp",
  ".hpp",
  ".cs",
  ".php",
  ".scala",
  ".sh",
  ".bash",
  ".zsh",
  ".ps1",
  ".sql",
  ".css",
  ".scss",
  ".vue",
  ".svelte",
  ".graphql",
  ".proto",
  ".tf",
  ".dockerfile",
  ".diff",
  ".patch",
  ".rst",
  ".tex",
  ".r",
  ".lua",
  ".dart",
  ".ex",
  ".exs",
  ".erl",
  ".hs",
  ".ml",
  ".clj",
  ".gradle",
];

const BY_EXTENSION = new Map<string, { mediaType: string; kind: "image" | "text" }>([
  ...Object.entries(ATTACHMENT_IMAGE_TYPES).flatMap(([mediaType, exts]) =>
    exts.map((ext) => [ext, { mediaType, kind: "image" as const }] as const),
  ),
  ...Object.entries(DOCUMENT_TYPES).flatMap(([mediaType, exts]) =>
    exts.map((ext) => [ext, { mediaType, kind: "text" as const }] as const),
  ),
  ...TEXT_EXTENSIONS.map((ext) => [ext, { mediaType: "text/plain", kind: "text" as const }] as const),
]);

/** Every extension accepted, for the error that refuses another. */
export const ACCEPTED_EXTENSIONS = [...BY_EXTENSION.keys()].sort();

/** First bytes of each image type: an image is what its bytes say, whatever its name claims. */
const IMAGE_SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => ["GIF87a", "GIF89a"].includes(b.subarray(0, 6).toString("latin1")),
  "image/webp": (b) =>
    b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
};

/** A file read for a message: an image as it is, or the text the model is given. */
export interface ReadAttachment {
  mediaType: string;
  kind: "image" | "text";
  text: string | null;
  truncated: boolean;
}

/**
 * Reads an uploaded file: an image (its bytes checked against its type), or a document or text
 * file reduced to text with the knowledge parsers (PDF, DOCX, HTML, CSV), cut at
 * `ATTACHMENT_LIMITS.charsPerFile` characters.
 * @throws AppError `request.unsupported_media_type` (an unknown extension),
 *   `attachment.unreadable` (empty, damaged, encrypted, binary, or an image whose bytes are not
 *   of its type).
 */
export async function readAttachment(name: string, bytes: Buffer): Promise<ReadAttachment> {
  const type = typeOf(name);
  if (!type) {
    throw new AppError("request.unsupported_media_type", `${name}: this kind of file cannot be attached`, {
      details: { file: name, accepted: ACCEPTED_EXTENSIONS },
    });
  }
  if (bytes.length === 0) throw unreadable(name, "the file is empty");
  if (type.kind === "image") {
    if (!IMAGE_SIGNATURES[type.mediaType]?.(bytes))
      throw unreadable(
        name,
        `the file is not a ${type.mediaType.slice("image/".length).toUpperCase()} image`,
      );
    return { ...type, text: null, truncated: false };
  }
  let text: string;
  try {
    text = await toMarkdown(bytes, type.mediaType === "text/plain" ? "text/plain" : type.mediaType, name);
  } catch (error) {
    if (error instanceof AppError) throw unreadable(name, error.message, error);
    throw error;
  }
  const truncated = text.length > ATTACHMENT_LIMITS.charsPerFile;
  return { ...type, text: truncated ? text.slice(0, ATTACHMENT_LIMITS.charsPerFile) : text, truncated };
}

function typeOf(name: string): { mediaType: string; kind: "image" | "text" } | undefined {
  const lower = name.toLowerCase();
  if (lower === "dockerfile" || lower === "makefile") return { mediaType: "text/plain", kind: "text" };
  return BY_EXTENSION.get(extname(lower));
}

function unreadable(name: string, why: string, cause?: unknown): AppError {
  return new AppError("attachment.unreadable", `${name}: ${why}`, {
    details: { file: name },
    ...(cause ? { cause } : {}),
  });
}
