/** What replaces a secret in a log line. */
export const REDACTED = "[redacted]";

/** Path segments after which the next segment is a bearer secret (invitation links). */
const SECRET_AFTER = new Set(["invitations", "invite"]);
/** Query parameters whose values are credentials or one-time codes (OIDC `code`, `state`...). */
const SECRET_PARAM =
  /token|code|state|nonce|secret|key|password|passwd|auth|session|sig|ticket|jwt|assertion|verifier|credential/i;
/** Values that look like a secret wherever they appear: API keys, refresh tokens, JWTs, long random strings. */
const SECRET_VALUE = /^(pk_|rt_)|^[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}$|^(?![0-9a-f-]{36}$)[A-Za-z0-9_-]{32,}$/;

/**
 * A URL (or path with query) fit for a log line: the invitation token after `/invitations/` or
 * `/invite/`, any segment or query value that looks like a secret (`pk_...`, `rt_...`, a JWT, a
 * random string of 32+ characters other than a UUID), the values of credential-like query
 * parameters and any `user:password@` are replaced by `[redacted]`.
 * @example
 * redactUrl("/api/v1/invitations/abc.../accept?x=1") // "/api/v1/invitations/[redacted]/accept?x=1"
 * redactUrl("/cb?code=xyz&state=abc") // "/cb?code=[redacted]&state=[redacted]"
 */
export function redactUrl(url: string): string {
  const hashAt = url.indexOf("#");
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf("?");
  const path = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
  const query = queryAt === -1 ? undefined : withoutHash.slice(queryAt + 1);
  return redactPath(path) + (query === undefined ? "" : `?${redactQuery(query)}`);
}

/** The path part of `redactUrl`: secret segments replaced, the rest kept. */
export function redactPath(path: string): string {
  const withoutUserInfo = path.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${REDACTED}@`);
  const segments = withoutUserInfo.split("/");
  return segments
    .map((segment, i) => {
      const previous = i > 0 ? (segments[i - 1] ?? "") : "";
      return SECRET_AFTER.has(previous.toLowerCase()) || looksSecret(segment) ? REDACTED : segment;
    })
    .join("/");
}

function redactQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return looksSecret(pair) ? REDACTED : pair;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      return SECRET_PARAM.test(safeDecode(name)) || looksSecret(value) ? `${name}=${REDACTED}` : pair;
    })
    .join("&");
}

function looksSecret(raw: string): boolean {
  return SECRET_VALUE.test(safeDecode(raw));
}

function safeDecode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
