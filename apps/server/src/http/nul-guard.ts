import { AppError } from "../kernel/app-error.ts";

/** Where a request's input is read from, as validation errors name it. */
type Location = "body" | "query" | "params";

/**
 * The path of the first string in `value` (or a key) that holds a NUL character (U+0000), or
 * null. Walks parsed input, objects and arrays (a raw body, a Buffer or a stream, is left alone),
 * without recursion: a deeply nested body cannot overflow the stack here.
 *
 * @example
 * nulPath({ messages: [{ content: "a\u0000b" }] }); // "messages.0.content"
 */
export function nulPath(value: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: "" }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const current = next.value;
    if (typeof current === "string") {
      if (current.includes("\u0000")) return next.path;
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    // Raw bodies (a Buffer) and streams are not parsed input.
    if (ArrayBuffer.isView(current) || typeof (current as { pipe?: unknown }).pipe === "function") continue;
    for (const [key, item] of Object.entries(current)) {
      const path = next.path ? `${next.path}.${key}` : key;
      if (key.includes("\u0000")) return path;
      stack.push({ value: item, path });
    }
  }
  return null;
}

/**
 * Refuses a request whose body, query or path holds a NUL character anywhere, with 400
 * `validation.failed` naming where: PostgreSQL cannot store or compare NUL in text, so such a
 * value would otherwise fail deep in a write (or a lookup) as a 500.
 * @throws AppError `validation.failed`
 */
export function refuseNul(request: { body?: unknown; query?: unknown; params?: unknown }): void {
  const inputs: [Location, unknown][] = [
    ["params", request.params],
    ["query", request.query],
    ["body", request.body],
  ];
  for (const [location, value] of inputs) {
    const path = nulPath(value);
    if (path === null) continue;
    throw new AppError(
      "validation.failed",
      `Invalid request: ${location}${path ? ` ${path}` : ""} holds a NUL character`,
      {
        details: { issues: [{ location, path, message: "must not contain NUL characters" }] },
      },
    );
  }
}
