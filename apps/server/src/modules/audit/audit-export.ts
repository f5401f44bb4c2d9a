import type { AuditEntry } from "@parley/contracts";

/** The columns of a CSV export, in order. */
const COLUMNS = [
  "seq",
  "at",
  "actor_type",
  "actor_id",
  "actor_email",
  "action",
  "outcome",
  "target_type",
  "target_id",
  "team_id",
  "request_id",
  "ip",
  "summary",
  "hash",
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a cell a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a
 * leading `'`, so an attacker-chosen value (an e-mail, a summary) cannot become one (OWASP CSV
 * injection).
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line of a CSV export. */
export const CSV_HEADER = `${COLUMNS.join(",")}\r\n`;

/** One entry as a CSV line. */
export function csvLine(e: AuditEntry): string {
  const cells: (string | number | null)[] = [
    e.seq,
    e.at,
    e.actor.type,
    e.actor.id,
    e.actor.email,
    e.action,
    e.outcome,
    e.target?.type ?? null,
    e.target?.id ?? null,
    e.teamId,
    e.requestId,
    e.ip,
    JSON.stringify(e.summary),
    e.hash,
  ];
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/**
 * The export's body, chunk by chunk as entries are read: CSV lines, or a JSON array (one entry
 * per line, so it streams and still parses as one document).
 */
export async function* exportChunks(
  entries: AsyncIterable<AuditEntry>,
  format: "csv" | "json",
): AsyncGenerator<string> {
  if (format === "csv") {
    yield CSV_HEADER;
    for await (const e of entries) yield csvLine(e);
    return;
  }
  yield "[";
  let first = true;
  for await (const e of entries) {
    yield `${first ? "\n" : ",\n"}${JSON.stringify(e)}`;
    first = false;
  }
  yield "\n]\n";
}
