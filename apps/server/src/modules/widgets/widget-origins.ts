/**
 * Whether a request from a page at `origin` may use a widget embedded on `allowed` origins: an
 * exact match, or Parley's own origin (its iframe page). A request without `Origin` comes from no
 * cross-origin page (a same-origin GET, or a program, which could send any Origin it likes): the
 * check guards browsers, and visitor tokens and limits guard the rest.
 * @example
 * originAllowed(["https://shop.example"], "https://shop.example", []) // true
 * originAllowed(["https://shop.example"], "https://evil.example", []) // false
 */
export function originAllowed(
  allowed: readonly string[],
  origin: string | undefined,
  own: readonly string[],
): boolean {
  if (origin === undefined) return true;
  return allowed.includes(origin) || own.includes(origin);
}

/**
 * The `frame-ancestors` source list of a widget's iframe page: its allowed origins, or `'none'`
 * when it has none (an origin list is validated on input, so nothing here can inject a directive).
 */
export function frameAncestors(allowed: readonly string[]): string {
  return allowed.length ? allowed.join(" ") : "'none'";
}
