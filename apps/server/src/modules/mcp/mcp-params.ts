import type { ZodType } from "zod";
import {
  ClientRequestSchema,
  ErrorCode,
  isJSONRPCRequest,
  JSONRPCMessageSchema,
} from "@modelcontextprotocol/sdk/types.js";

/** The request schema of each method a client may call, from the SDK's own. */
const CLIENT_REQUESTS: ReadonlyMap<string, ZodType> = new Map(
  ClientRequestSchema.options.map((o) => [o.shape.method.value, o]),
);

/** Messages one batch may carry: more is the SDK's -32600 (it allows 100). */
const BATCH_LIMIT = 100;

/**
 * The JSON-RPC "invalid request" answer (-32600, `id: null`) to a body that is JSON but not a
 * JSON-RPC 2.0 message or batch of them (an empty batch included), or null. The SDK answers these
 * -32700, which JSON-RPC keeps for bodies that are not JSON at all.
 * @example
 * invalidRequest({ hello: "world" })?.error.code // -32600
 */
export function invalidRequest(body: unknown) {
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length > BATCH_LIMIT) return null;
  const bad = messages.findIndex((m) => !JSONRPCMessageSchema.safeParse(m).success);
  if (messages.length > 0 && bad < 0) return null;
  const what =
    messages.length === 0
      ? "an empty batch"
      : Array.isArray(body)
        ? `message ${bad} of the batch`
        : "the body";
  return {
    jsonrpc: "2.0" as const,
    id: null,
    error: {
      code: ErrorCode.InvalidRequest,
      message: `Invalid Request: ${what} is not a JSON-RPC 2.0 message`,
    },
  };
}

/**
 * The JSON-RPC "invalid params" answer (-32602) to a single request whose params do not fit its
 * method (`tools/call` with a numeric name, say), or null to let the SDK answer. The SDK would
 * answer such a request with -32603 (internal error), which reads as Parley's fault; unknown
 * methods, notifications and batches are left to it (-32601, 202, per message).
 * @example
 * invalidParams({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: 42 } })?.error.code // -32602
 */
export function invalidParams(body: unknown) {
  const schema = isJSONRPCRequest(body) ? CLIENT_REQUESTS.get(body.method) : undefined;
  if (!schema || !isJSONRPCRequest(body)) return null;
  const parsed = schema.safeParse({ method: body.method, params: body.params });
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  const where = issue?.path.filter((p) => typeof p !== "symbol").join(".");
  return {
    jsonrpc: "2.0" as const,
    id: body.id,
    error: {
      code: ErrorCode.InvalidParams,
      message: `Invalid params for ${body.method}${where ? ` (${where})` : ""}: ${issue?.message ?? "not accepted"}`,
    },
  };
}
