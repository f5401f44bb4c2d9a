import { AuditEvent } from "@parley/contracts";

/** Summary keys whose values are never stored, whatever the caller passes. */
// Names that hold credentials: `password`, `clientSecret`, `refreshToken`, `apiKey`, `key`... but
// not counts or ids such as `maxTokens`, `promptTokens`, `apiKeyId`.
export const SECRET_KEY = /^(?:authorization|cookie)$|password|passphrase|secret|token$|key$/i;

/** What a redacted value is stored as. */
export const REDACTED = "[redacted]";

/** Longest stored identifier-like field (ids, types, request id, IP); longer ones are clipped. */
export const MAX_FIELD_CHARS = 512;

/** Longest stored summary, as JSON; a longer one is replaced by a note saying so. */
export const MAX_SUMMARY_CHARS = 16_384;

/** An event's fields as stored, before the chain gives it a seq, time and hashes. */
export interface NormalizedEvent {
  action: string;
  outcome: string;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  target_type: string | null;
  target_id: string | null;
  team_id: string | null;
  request_id: string | null;
  ip: string | null;
  summary: Record<string, unknown>;
}

/**
 * Validates an event and turns it into what is stored and hashed: text made storable in both
 * dialects (no NUL, no lone surrogates, clipped), the summary reduced to plain JSON with secret
 * looking keys redacted. Hashing this form means what is read back hashes the same.
 * @throws ZodError when the event is malformed (a bug in the caller).
 */
export function normalizeEvent(input: AuditEvent): NormalizedEvent {
  const event = AuditEvent.parse(input);
  return {
    action: event.action,
    outcome: event.outcome,
    actor_type: event.actor.type,
    actor_id: field(event.actor.id),
    actor_email: field(event.actor.email ?? null, 320),
    target_type: field(event.target?.type ?? null),
    target_id: field(event.target?.id ?? null),
    team_id: field(event.teamId ?? null),
    request_id: field(event.requestId ?? null),
    ip: field(event.ip ?? null, 100),
    // The caller's object, not Zod's copy: Zod rebuilds records by assignment, which drops a
    // "__proto__" key that JSON (and so the stored entry) would keep.
    summary: normalizeSummary(input.summary ?? {}),
  };
}

/**
 * A summary as plain JSON (what `JSON.stringify` keeps; bigints as strings), strings cleaned and
 * values under secret-looking keys (see {@link SECRET_KEY}) replaced by `"[redacted]"`, at any depth.
 * @example
 * normalizeSummary({ name: "ci", apiKey: "sk-1" }); // { name: "ci", apiKey: "[redacted]" }
 */
export function normalizeSummary(summary: Record<string, unknown>): Record<string, unknown> {
  const json = JSON.stringify(summary, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  );
  const cleaned = clean(JSON.parse(json) as unknown);
  const object = isObject(cleaned) ? cleaned : {};
  const size = JSON.stringify(object).length;
  return size > MAX_SUMMARY_CHARS ? { truncated: true, originalChars: size } : object;
}

/** Text that both PostgreSQL and SQLite store exactly: NUL and lone surrogates become U+FFFD. */
export function cleanText(text: string): string {
  return text.toWellFormed().replaceAll("\u0000", "\uFFFD");
}

function field(text: string | null, max = MAX_FIELD_CHARS): string | null {
  if (text === null) return null;
  // Clipping may split a surrogate pair; cleaning afterwards repairs that.
  return cleanText(text.length > max ? text.slice(0, max) : text);
}

function clean(value: unknown): unknown {
  if (typeof value === "string") return cleanText(value);
  if (Array.isArray(value)) return value.map((v: unknown) => clean(v));
  if (isObject(value)) {
    // fromEntries defines own properties, so a key such as "__proto__" stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [cleanText(k), SECRET_KEY.test(k) ? REDACTED : clean(v)]),
    );
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
