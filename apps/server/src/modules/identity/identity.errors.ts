import { defineErrors } from "../../kernel/define-errors.ts";

/** The identity module's codes: sign-in, sessions, accounts, teams, invitations, API keys. */
export const identityErrors = defineErrors({
  "auth.invalid_credentials": { status: 401, expose: true },
  "auth.invalid_token": { status: 401, expose: true },
  "auth.locked": { status: 429, expose: true },
  "auth.csrf_failed": { status: 403, expose: true },
  "auth.sso_failed": { status: 400, expose: true },
  "user.email_taken": { status: 409, expose: true },
  "user.weak_password": { status: 400, expose: true },
  "team.slug_taken": { status: 409, expose: true },
  "invitation.invalid": { status: 404, expose: true },
  // 400, not 401: the session is fine, only the password typed is not (a 401 would sign out).
  "user.wrong_password": { status: 400, expose: true },
  "password_reset.invalid": { status: 404, expose: true },
  "session.not_found": { status: 404, expose: true },
  "api_key.permission_not_held": { status: 403, expose: true },
  // Hidden and missing answer alike (404), so a 404 never confirms that something exists.
  "team.not_found": { status: 404, expose: true },
  "user.not_found": { status: 404, expose: true },
  "member.not_found": { status: 404, expose: true },
  "invitation.not_found": { status: 404, expose: true },
  "api_key.not_found": { status: 404, expose: true },
  "sso_provider.not_found": { status: 404, expose: true },
});
