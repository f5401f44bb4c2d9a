import { defineErrors } from "../../kernel/define-errors.ts";

/** The widgets module's codes (the management API's and the public visitor API's). */
export const widgetsErrors = defineErrors({
  "widget.not_found": { status: 404, expose: true },
  "widget.assistant_not_in_team": { status: 400, expose: true },
  // The host page is not an allowed origin: the browser gets no CORS grant and no answer.
  "widget.origin_not_allowed": { status: 403, expose: true },
  "widget.disabled": { status: 403, expose: true },
  // The widget drops its token and asks for a new visitor session.
  "widget.visitor_token_invalid": { status: 401, expose: true },
  "widget.signature_invalid": { status: 401, expose: true },
  // The team must publish the widget again (as a member who may use AI there).
  "widget.publisher_unavailable": { status: 409, expose: true },
  // Deleting it deletes its visitors' conversations: confirm with their number.
  "widget.has_conversations": { status: 409, expose: true },
});
