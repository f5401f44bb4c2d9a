import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WidgetKeyParams } from "@parley/contracts";
import { z } from "zod";
import type { TypedApp } from "../../kernel/route-config.ts";
import { frameAncestors } from "./widget-origins.ts";
import { originsOf } from "./widget-view.ts";
import type { WidgetRepository } from "./widgets.repository.ts";

/** The built widget files the server serves, with how long browsers and CDNs may keep each. */
const FILES: Record<string, { type: string; maxAge: number }> = {
  // The snippet names it without a version: a short lifetime, so a new release reaches pages soon.
  "loader.js": { type: "text/javascript; charset=utf-8", maxAge: 300 },
  "chat.js": { type: "text/javascript; charset=utf-8", maxAge: 3600 },
};

interface Asset {
  body: Buffer;
  etag: string;
}

/**
 * The widget's files (`/widget/v1/loader.js`, `/widget/v1/chat.js`, from `apps/widget/dist`), with
 * ETags and cache lifetimes, loadable from any site (`Cross-Origin-Resource-Policy: cross-origin`);
 * and the iframe page `GET /widget/{key}`, whose `frame-ancestors` are the widget's allowed origins.
 */
export function registerWidgetAssetRoutes(
  app: TypedApp,
  deps: { root: string; widgets: Pick<WidgetRepository, "findByKey"> },
): void {
  const cache = new Map<string, Asset>();
  const assetOf = (name: string): Asset | null => {
    const cached = cache.get(name);
    if (cached) return cached;
    const path = join(deps.root, name);
    if (!existsSync(path)) return null;
    const body = readFileSync(path);
    const asset = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` };
    cache.set(name, asset);
    return asset;
  };

  app.get(
    "/widget/v1/:file",
    {
      config: { permission: "public", helmet: { crossOriginResourcePolicy: { policy: "cross-origin" } } },
      schema: { hide: true, params: z.object({ file: z.string().max(100) }) },
    },
    async (request, reply) => {
      const spec = FILES[request.params.file];
      const asset = spec ? assetOf(request.params.file) : null;
      if (!spec || !asset)
        return reply
          .code(404)
          .type("text/plain; charset=utf-8")
          .send("No such widget file (is the widget built?)");
      reply.header("cache-control", `public, max-age=${spec.maxAge}`).header("etag", asset.etag);
      if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
      return reply.type(spec.type).send(asset.body);
    },
  );

  app.get(
    "/widget/:key",
    {
      config: { permission: "public", helmet: false },
      schema: {
        hide: true,
        params: WidgetKeyParams,
        querystring: z.object({
          userId: z.string().max(200).optional(),
          signature: z.string().max(128).optional(),
        }),
      },
    },
    async (request, reply) => {
      const row = await deps.widgets.findByKey(request.params.key);
      // Parley's own pages may frame it too (the Publish section's live preview).
      const ancestors = row?.enabled ? frameAncestors(["'self'", ...originsOf(row)]) : "'none'";
      reply.headers({
        "content-security-policy": [
          "default-src 'none'",
          "script-src 'self'",
          "style-src 'self' 'unsafe-inline'",
          "connect-src 'self'",
          "img-src 'self' data:",
          "base-uri 'none'",
          "form-action 'none'",
          `frame-ancestors ${ancestors}`,
        ].join("; "),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-cache",
      });
      if (!row || !row.enabled)
        return reply
          .code(404)
          .type("text/html; charset=utf-8")
          .send(page("<p>This chat is not available.</p>"));
      const data = {
        "data-parley-widget": row.public_key,
        ...(request.query.userId ? { "data-parley-user-id": request.query.userId } : {}),
        ...(request.query.signature ? { "data-parley-signature": request.query.signature } : {}),
      };
      const attributes = Object.entries(data)
        .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
        .join("");
      return reply
        .type("text/html; charset=utf-8")
        .send(
          page(`<div id="parley-widget-frame"${attributes}></div><script src="/widget/v1/chat.js"></script>`),
        );
    },
  );
}

function page(body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Chat</title><style>html,body{margin:0;height:100%;font-family:system-ui,sans-serif}</style></head><body>${body}</body></html>`;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
