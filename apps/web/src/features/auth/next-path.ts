/**
 * Where to go after signing in (`/login?next=...`): a path of this app only, never another site
 * (`//host`, `/\host` or a full URL would be an open redirect).
 * @example
 * nextPath("/invite/abc") // "/invite/abc"
 * nextPath("//evil.example") // "/"
 */
export function nextPath(next: string | null): string {
  return next && /^\/(?![/\\])/.test(next) ? next : "/";
}
