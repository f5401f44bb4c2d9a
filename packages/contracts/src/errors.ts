import { z } from "zod";

/**
 * Every error code the API can answer with. Codes are stable: clients may switch on them, so a
 * code is never renamed or reused; new ones are only added.
 */
export const ErrorCode = z.enum([
  "validation.failed",
  "request.malformed_json",
  "request.invalid",
  "request.body_too_large",
  "request.unsupported_media_type",
  "request.bad_url",
  "request.uri_too_long",
  "request.headers_too_large",
  "request.timeout",
  "auth.required",
  "auth.forbidden",
  "auth.invalid_credentials",
  "auth.invalid_token",
  "auth.locked",
  "auth.csrf_failed",
  "auth.sso_failed",
  "user.email_taken",
  "user.weak_password",
  "team.slug_taken",
  "invitation.invalid",
  /** The current password given to change one's own password is not right. */
  "user.wrong_password",
  /** A password reset link is unknown, used, replaced by a newer one, or expired. */
  "password_reset.invalid",
  /** A session of one's own that does not exist or has ended. */
  "session.not_found",
  "api_key.permission_not_held",
  "audit.cursor_invalid",
  "route.not_found",
  "route.method_not_allowed",
  "resource.not_found",
  "resource.conflict",
  "rate_limit.exceeded",
  "model.not_found",
  "provider.not_found",
  "conversation.not_found",
  "message.not_found",
  /** Thumbs go on completed answers only. */
  "message.feedback_not_allowed",
  /** No attachment with this id that the caller uploaded and has not sent yet (or may read). */
  "attachment.not_found",
  /** An image attached for a model that does not read images. */
  "attachment.images_not_supported",
  /** A file over the per-file limit, or unreadable (empty, damaged, encrypted, not text). */
  "attachment.too_large",
  "attachment.unreadable",
  /** An `Idempotency-Key` sent again with another message than the one it was first used for. */
  "idempotency.key_reused",
  "team.not_found",
  "user.not_found",
  "member.not_found",
  /** No open invitation with this id in the team (accepted, revoked and expired ones are closed). */
  "invitation.not_found",
  "api_key.not_found",
  "sso_provider.not_found",
  "assistant.not_found",
  "knowledge_base.not_found",
  "document.not_found",
  "project.not_found",
  /** A budget or the payer's balance cannot cover the call's maximum cost: nothing was called. */
  "budget.exceeded",
  "budget.not_found",
  /** A team admin's budget names an assistant, widget, bot or API key that is not their team's. */
  "budget.scope_not_found",
  /** The scope already has a budget for this period. */
  "budget.duplicate",
  /** No such user or team to hold a balance. */
  "billing.account_not_found",
  /** The payment webhook is not configured (no signing secret). */
  "billing.webhook_disabled",
  /** A payment event whose signature does not verify (or too old): nothing credited. */
  "billing.webhook_signature_invalid",
  /** A payment event that cannot be credited (no account in its metadata, another currency). */
  "billing.webhook_event_invalid",
  /** No ledger movement with this id in the account you may manage. */
  "billing.transaction_not_found",
  /** Only top-ups and usage debits are refunded (not refunds, adjustments, allowances, expiries). */
  "billing.not_refundable",
  /** More than is left to refund of the movement (or, for a top-up, than the balance has free). */
  "billing.refund_too_large",
  /** No such Telegram bot, or another team's. */
  "telegram.bot_not_found",
  /** Telegram's getMe refused the bot token. */
  "telegram.token_invalid",
  /** This Telegram bot is connected already (to this or another assistant). */
  "telegram.bot_duplicate",
  /** A bot answers with a team's assistant, not a personal one. */
  "telegram.assistant_personal",
  /** The Bot API server refused setWebhook (or deleteWebhook): nothing was connected. */
  "telegram.webhook_refused",
  /** The Bot API server did not answer. */
  "telegram.api_unreachable",
  /** The webhook's secret-token header is missing or wrong: nothing was processed. */
  "telegram.webhook_unauthorized",
  /** Another project of the team has this name (names are compared ignoring case). */
  "project.name_taken",
  "governance.rule_not_found",
  "governance.rule_version_not_found",
  /** A new rule version was made from a version that is no longer the current one. */
  "governance.rule_version_conflict",
  "practice.not_found",
  "practice.version_not_found",
  /** A new practice version was made from a version that is no longer the current one. */
  "practice.version_conflict",
  /** A practice's project is not a project of its team. */
  "practice.project_not_in_team",
  /** The team has as many practices as it may keep. */
  "practice.limit_reached",
  "prompt.not_found",
  "prompt.version_not_found",
  /** A new prompt version was made from a version that is no longer the current one. */
  "prompt.version_conflict",
  /** Another prompt of the team has this slug. */
  "prompt.slug_taken",
  /** A template's placeholders and declared variables disagree, or a declaration is wrong. */
  "prompt.invalid_template",
  /** Render variables missing, unknown or of the wrong type. */
  "prompt.invalid_variables",
  /** The operation is for the other kind (rendering a persona, a template as a model). */
  "prompt.wrong_kind",
  "prompt.label_not_found",
  /** A protected label cannot be deleted (unprotecting it needs an approval first). */
  "prompt.label_protected",
  "prompt.change_request_not_found",
  /** The label change request was already approved or denied. */
  "prompt.change_request_decided",
  /** The requester of a label change cannot approve or deny it. */
  "prompt.approval_refused",
  "guide.not_found",
  /** The task is not in the guide (any more): an edit of its markdown removed it. */
  "guide.task_not_found",
  /** The guide changed since the version the client sent: reload it and change it again. */
  "guide.version_conflict",
  /** An edit of a guide's markdown must say which version it was made on (`expectedVersion`). */
  "guide.version_required",
  /** The markdown is longer (or holds more tasks) than a guide may. */
  "guide.too_large",
  "guide.template_not_found",
  /** Template values missing, or given for variables the template does not have. */
  "guide.template_variables",
  /** Another template of the team has this name. */
  "guide.template_name_taken",
  /** The project is not one of the guide's team. */
  "guide.project_not_in_team",
  /** The model's draft (or estimate) did not fit the schema, even after it was asked again. */
  "guide.draft_invalid",
  /** A file over the per-file limit, or one that would take its team's storage over its limit. */
  "knowledge.too_large",
  /** A team-visible assistant was given a knowledge base outside its team (a personal one would leak). */
  "assistant.knowledge_base_not_in_team",
  "provider.disabled",
  "provider.unavailable",
  "prompt.too_large",
  "governance.blocked",
  /** A call a rule held for approval was denied, or no one decided in time. */
  "governance.approval_denied",
  "governance.approval_not_found",
  /** The approval request was decided already (or expired): nothing left to decide. */
  "governance.approval_decided",
  /** A governance check could not run (a detector failed or timed out): the call fails closed. */
  "governance.check_failed",
  "upstream.rate_limited",
  "upstream.error",
  "upstream.timeout",
  "upstream.incomplete",
  "server.unavailable",
  "server.shutting_down",
  "server.internal",
  /** An answer's generator died mid-answer (a lost worker, a restarted server): send it again. */
  "worker.lost",
  /** No widget with this id or key (or one of another team); a rotated key is unknown too. */
  "widget.not_found",
  /** Widgets publish team assistants only, of the widget's team. */
  "widget.assistant_not_in_team",
  /** The request comes from a page whose origin is not one of the widget's allowed origins. */
  "widget.origin_not_allowed",
  /** The widget is switched off by its team. */
  "widget.disabled",
  /** The visitor token is missing, forged, expired, or from before the widget's key was rotated. */
  "widget.visitor_token_invalid",
  /** Signed mode: the host site's user id and its HMAC signature are missing or do not match. */
  "widget.signature_invalid",
  /** The member who published the widget no longer exists or may no longer use AI in its team. */
  "widget.publisher_unavailable",
  /**
   * Deleting a widget deletes its visitors' conversations: the count given to confirm it is
   * missing or no longer the widget's (`details.conversations` is the current one).
   */
  "widget.has_conversations",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The JSON body of every error answer: `{ error: { code, message, details } }`. */
export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string().describe("Stable, machine-readable code such as `route.not_found`."),
      message: z.string().describe("Human-readable explanation; may change between versions."),
      details: z.unknown().optional().describe("Structured context, for example validation issues."),
      requestId: z.string().optional().describe("The request id, also sent as `x-request-id`."),
    }),
  })
  .meta({ id: "ErrorEnvelope" });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** One problem found while validating a request. */
export const ValidationIssue = z.object({
  location: z.enum(["body", "query", "params", "headers"]),
  path: z.string().describe("Dot path of the offending field, empty for the whole value."),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;
