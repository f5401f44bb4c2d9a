import { AppError } from "../../kernel/app-error.ts";
import { channelMayAnswer, channelPrincipal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { IdentityExports } from "../identity/index.ts";
import type { Visitor, VisitorRequest } from "./visitor.service.ts";

/**
 * The chat context of a widget visitor: the publisher's principal (loaded afresh, so a removed
 * member, a lost role or a disabled account counts at once) narrowed by `channelPrincipal` to
 * what an answer needs in the widget's team, with the widget channel and the visitor as its
 * subject (chat then shows them only their own conversations).
 * @throws AppError `widget.publisher_unavailable` when the publisher is gone, disabled, no longer
 * a member of the team, or may no longer use AI or the assistants there.
 */
export async function visitorContext(
  auth: Pick<IdentityExports["auth"], "principalOfUser">,
  visitor: Visitor,
  request: VisitorRequest,
): Promise<RequestContext> {
  const { widget } = visitor;
  const publisher = widget.publisher_id
    ? await auth.principalOfUser(widget.publisher_id, { activeOnly: true })
    : null;
  const principal =
    publisher &&
    channelPrincipal(publisher, {
      kind: "widget",
      id: widget.id,
      subject: visitor.visitorId,
      teamId: widget.team_id,
    });
  if (!principal || !channelMayAnswer(principal))
    throw new AppError(
      "widget.publisher_unavailable",
      "This widget's publisher may no longer answer in its team: a team admin must publish it again",
    );
  return { requestId: request.requestId, ip: request.ip, userAgent: request.userAgent, principal };
}
