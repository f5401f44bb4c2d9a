import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { presentError } from "../../http/error-status.ts";
import { contextOf } from "../../http/request-context.ts";
import { HIDDEN_MESSAGE, type ErrorCatalog } from "../../kernel/define-errors.ts";
import type { McpCatalog } from "../../kernel/mcp-contribution.ts";
import type { TypedApp } from "../../kernel/route-config.ts";
import { invalidParams, invalidRequest } from "./mcp-params.ts";
import { buildMcpServer, type McpServerDeps } from "./mcp-server.ts";
import { bearerChallenge, MCP_PATH, METADATA_PATH, protectedResourceMetadata } from "./protected-resource.ts";

/** What the MCP routes need. */
export interface McpRouteDeps {
  /** Every module's tools, resources and prompts (known once all modules are built). */
  catalog(): McpCatalog;
  errors: ErrorCatalog;
  denied: McpServerDeps["denied"];
  publicUrl(): string;
}

/**
 * `POST /mcp`: the MCP Streamable HTTP transport, stateless (a server and transport per request,
 * no session id), answering JSON. Authenticated by the edge like every route (bearer API key or
 * access token, per-principal rate limits); each tool then authorizes itself through its service.
 * Every refusal, the edge's included, answers a JSON-RPC error body, and a 401 carries the
 * `WWW-Authenticate` challenge that points MCP clients at the protected-resource metadata.
 */
export async function registerMcpRoutes(app: TypedApp, deps: McpRouteDeps): Promise<void> {
  await app.register((scope: TypedApp, _options, done) => {
    // JSON only: any other body is a 415 before the route runs.
    scope.removeContentTypeParser("text/plain");
    scope.setErrorHandler(async (error: FastifyError, request, reply) =>
      answerError(deps, error, request, reply),
    );
    scope.post(
      MCP_PATH,
      { config: { permission: "authenticated" }, schema: { hide: true } },
      async (request, reply) => {
        const malformed = invalidRequest(request.body);
        if (malformed) return reply.code(400).send(malformed);
        const refused = invalidParams(request.body);
        if (refused) return reply.send(refused);
        const server = buildMcpServer(
          { catalog: deps.catalog(), errors: deps.errors, logger: request.log, denied: deps.denied },
          contextOf(request),
        );
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        // The transport writes the response itself: keep what the hooks set (request id, limits).
        for (const [name, value] of Object.entries(reply.getHeaders()))
          if (value !== undefined) reply.raw.setHeader(name, value);
        reply.hijack();
        reply.raw.once("close", () => {
          void transport.close();
          void server.close();
        });
        try {
          await server.connect(transport);
          await transport.handleRequest(request.raw, reply.raw, request.body);
        } catch (error) {
          request.log.error({ err: error }, "MCP request failed");
          if (!reply.raw.headersSent)
            reply.raw.writeHead(500, { "content-type": "application/json" }).end(
              JSON.stringify(
                rpcError(ErrorCode.InternalError, HIDDEN_MESSAGE, {
                  code: "server.internal",
                  requestId: request.id,
                }),
              ),
            );
        }
        return reply;
      },
    );
    // Stateless: no stream to open with GET and no session to end with DELETE (as the SDK's
    // stateless examples answer).
    for (const method of ["GET", "DELETE"] as const)
      scope.route({
        method,
        url: MCP_PATH,
        config: { permission: "authenticated" },
        schema: { hide: true },
        handler: async (_request, reply) =>
          reply
            .code(405)
            .header("allow", "POST")
            .send(rpcError(-32000, "Method not allowed: this server is stateless, POST JSON-RPC messages")),
      });
    done();
  });
  // RFC 9728: at the resource's own suffix, and at the root for clients that only look there.
  for (const url of [`${METADATA_PATH}${MCP_PATH}`, METADATA_PATH])
    app.get(url, { config: { permission: "public" }, schema: { hide: true } }, async (_request, reply) =>
      reply.header("cache-control", "max-age=3600").send(protectedResourceMetadata(deps.publicUrl())),
    );
}

/** A JSON-RPC error response to a request whose id is unknown (it was refused before being read). */
function rpcError(code: number, message: string, data?: Record<string, unknown>) {
  return { jsonrpc: "2.0" as const, error: { code, message, ...(data ? { data } : {}) }, id: null };
}

/** JSON-RPC's code for what the edge refused, by Parley's code and status. */
function rpcCodeOf(code: string, status: number): number {
  if (code === "request.malformed_json") return ErrorCode.ParseError;
  if (code.startsWith("request.")) return ErrorCode.InvalidRequest;
  if (status >= 500) return ErrorCode.InternalError;
  return -32000; // implementation-defined server error: authentication, limits
}

async function answerError(
  deps: McpRouteDeps,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const presented = presentError(error, request.id, deps.errors);
  if (presented.logLevel === "error") request.log.error({ err: error }, "MCP request failed");
  else request.log.info({ code: presented.body.error.code }, presented.body.error.message);
  const { code, message, details } = presented.body.error;
  if (presented.status === 401)
    reply.header(
      "www-authenticate",
      bearerChallenge(deps.publicUrl(), code === "auth.invalid_token" ? "invalid_token" : undefined),
    );
  return reply
    .code(presented.status)
    .headers(presented.headers)
    .send(
      rpcError(rpcCodeOf(code, presented.status), message, {
        code,
        requestId: request.id,
        ...(details === undefined ? {} : { details }),
      }),
    );
}
