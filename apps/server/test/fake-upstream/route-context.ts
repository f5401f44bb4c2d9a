import type { IncomingMessage, ServerResponse } from "node:http";
import {
  resolveSettings,
  type FakeBehaviour,
  type Fault,
  type RequestBody,
  type RequestSettings,
} from "./behaviour.ts";
import { sendError, type Protocol } from "./http.ts";

/** Everything a route needs to answer one request. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The parsed JSON body (`{}` for a request without one). */
  readonly body: RequestBody;
  /** The raw body, hashed for deterministic ids. */
  readonly raw: string;
  /** The behaviour configured when the request arrived. */
  readonly behaviour: FakeBehaviour;
  /** Aborted when the client goes away (or the answer is complete). */
  readonly signal: AbortSignal;
  /** The next fault injected with `fail`, consumed by this request. */
  takeFault(): Fault | undefined;
}

/**
 * Resolves the model and its directives for a generation request, answering 400 (missing model,
 * bad directive) or 404 (unknown model) itself, in which case it returns undefined. Consumes an
 * injected fault only when the request is valid.
 */
export function settingsFor(ctx: RouteContext, protocol: Protocol): RequestSettings | undefined {
  const requested = ctx.body.model;
  if (typeof requested !== "string" || requested === "") {
    sendError(ctx.res, protocol, "invalid_request", "you must provide a model parameter", "model");
    return undefined;
  }
  const settings = resolveSettings(ctx.behaviour, requested, ctx.req.headers);
  if ("error" in settings) {
    sendError(ctx.res, protocol, "invalid_request", settings.error, "model");
    return undefined;
  }
  if (!ctx.behaviour.models.includes(settings.model)) {
    const message =
      protocol === "openai"
        ? `The model \`${settings.model}\` does not exist or you do not have access to it.`
        : `model: ${settings.model}`;
    sendError(ctx.res, protocol, "not_found", message);
    return undefined;
  }
  return { ...settings, fault: ctx.takeFault() ?? settings.fault };
}
