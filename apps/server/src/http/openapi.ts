import fastifySwagger from "@fastify/swagger";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import Fastify, {
  type FastifyContextConfig,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { AppError } from "../kernel/app-error.ts";
import type { TypedApp } from "../kernel/route-config.ts";

/**
 * Starts collecting route schemas into an OpenAPI 3.1 document. Must run before the routes are
 * registered.
 */
export async function registerOpenApi(app: TypedApp, version: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Parley API",
        version,
        description:
          "Self-hosted AI platform for software teams. Every error answers `{ error: { code, message, details } }` with a stable code.",
      },
      tags: [
        { name: "system", description: "Health, readiness, metrics and process information" },
        { name: "auth", description: "Sign-in, token refresh, sign-out and single sign-on" },
        { name: "access", description: "Who you are and why you may (not) do something" },
        { name: "users", description: "Accounts" },
        { name: "teams", description: "Teams, members and invitation links" },
        { name: "api-keys", description: "Keys for programs, with a subset of your permissions" },
        { name: "audit", description: "The hash-chained audit log and its verification" },
      ],
    },
    // Each operation names the permission it requires (`x-parley-permission`): the API reference
    // shows it, and the generated access-matrix test reads it.
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const permission = input.route.config?.permission;
      return permission ? { ...out, schema: { ...out.schema, "x-parley-permission": permission } } : out;
    },
    transformObject: jsonSchemaTransformObject,
  });
}

/** Serves the generated document at `/api/openapi.json` and an API reference at `/api/docs`. */
export async function registerOpenApiDocument(app: TypedApp): Promise<void> {
  app.get(
    "/api/openapi.json",
    {
      config: { permission: "public" },
      schema: { hide: true },
    },
    async (_request, reply) => reply.type("application/json").send(app.swagger()),
  );
  await app.register((scope, _options, done) => {
    scope.addHook("onRoute", (route) => {
      // The reference page runs its own inline bootstrap script and styles (security headers
      // read per-route settings from `config.helmet`).
      const config: FastifyContextConfig = {
        ...route.config,
        permission: "public",
        helmet: {
          contentSecurityPolicy: {
            directives: {
              "default-src": ["'self'"],
              "script-src": ["'self'", "'unsafe-inline'"],
              "style-src": ["'self'", "'unsafe-inline'"],
              "img-src": ["'self'", "data:", "blob:"],
              "font-src": ["'self'", "data:"],
              "connect-src": ["'self'"],
              "worker-src": ["'self'", "blob:"],
              "upgrade-insecure-requests": null,
            },
          },
        },
      };
      route.config = config;
    });
    // The reference's bundle is ~5 MB of JavaScript (~20 MB of memory once loaded): it is loaded
    // on the first visit to /api/docs, into an inner Fastify instance that the routes forward to,
    // instead of into every process at start.
    let inner: Promise<FastifyInstance> | undefined;
    const docsApp = () =>
      (inner ??= (async () => {
        const { default: scalarReference } = await import("@scalar/fastify-api-reference");
        const docs = Fastify({ logger: false });
        await docs.register(scalarReference, {
          routePrefix: "/api/docs",
          // No web fonts from Scalar's CDN: self-hosted installs may have no internet.
          // Nothing that calls out to Scalar's services (fonts, AI agent, SDK generator, MCP).
          configuration: {
            url: "/api/openapi.json",
            title: "Parley API reference",
            withDefaultFonts: false,
            showDeveloperTools: "never",
            agent: { disabled: true },
            mcp: { disabled: true },
            hideClientButton: false,
            theme: "default",
          },
          logLevel: "warn",
        });
        await docs.ready();
        return docs;
      })());
    app.addHook("onClose", async () => {
      if (inner) await (await inner).close();
    });
    const forward = async (request: FastifyRequest, reply: FastifyReply) => {
      const docs = await docsApp();
      const answer = await docs.inject({ method: "GET", url: request.url });
      if (answer.statusCode === 404) throw new AppError("route.not_found", `No route GET ${request.url}`);
      reply.code(answer.statusCode);
      for (const name of ["content-type", "location", "cache-control", "etag", "last-modified"]) {
        const value = answer.headers[name];
        if (value !== undefined) reply.header(name, value);
      }
      return reply.send(answer.rawPayload);
    };
    scope.get("/api/docs", { schema: { hide: true } }, forward);
    scope.get("/api/docs/*", { schema: { hide: true } }, forward);
    done();
  });
}
