import { defineErrors } from "../kernel/define-errors.ts";

/** The codes of the HTTP edge itself: requests refused before (or instead of) any route. */
export const httpErrors = defineErrors({
  "request.malformed_json": { status: 400, expose: true },
  "request.invalid": { status: 400, expose: true },
  "request.body_too_large": { status: 413, expose: true },
  "request.unsupported_media_type": { status: 415, expose: true },
  "request.bad_url": { status: 400, expose: true },
  "request.uri_too_long": { status: 414, expose: true },
  "request.headers_too_large": { status: 431, expose: true },
  "request.timeout": { status: 408, expose: true },
  "route.not_found": { status: 404, expose: true },
  "route.method_not_allowed": { status: 405, expose: true },
  "server.shutting_down": { status: 503, expose: true },
});
