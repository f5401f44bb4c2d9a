import { createHmac } from "node:crypto";
import type { CreatedWidget, VisitorSession } from "@parley/contracts";
import { fakeProviders, type Answer, type Harness } from "../parley-harness.ts";
import { testServices } from "../services.ts";

/**
 * The environment of a widget test's Parley: the fake upstream as its provider, API and AI limits
 * out of the way (the widget's own limits are under test), and, given `distributed`, PostgreSQL,
 * NATS and Redis under its own namespace.
 */
export function widgetTestEnv(
  upstreamUrl: string,
  distributed: { databaseUrl: string; namespace: string; secretKey: string } | null,
): Record<string, string> {
  const limits = { apiPerMinute: 1_000_000, aiPerMinute: 1_000_000 };
  return {
    PARLEY_PROVIDERS: fakeProviders(upstreamUrl),
    PARLEY_RATE_LIMITS: JSON.stringify({
      admin: limits,
      operator: limits,
      developer: limits,
      viewer: limits,
    }),
    ...(distributed
      ? {
          PARLEY_DATABASE_URL: distributed.databaseUrl,
          PARLEY_NATS_URL: testServices.natsUrl,
          PARLEY_REDIS_URL: testServices.redisUrl,
          PARLEY_NAMESPACE: distributed.namespace,
          PARLEY_SECRET_KEY: distributed.secretKey,
        }
      : {}),
  };
}

/** The host page's origin the tests' widgets allow. */
export const HOST = "https://shop.example";

/** A team with a developer, an operator (who publishes) and a team-visible assistant. */
export async function widgetTeam(h: Harness, name = "Shop") {
  const team = await h.call<{ id: string }>("POST", "/api/v1/teams", { token: h.adminToken, body: { name } });
  const member = async (role: "viewer" | "developer" | "operator" | "admin") => {
    const u = await h.user("viewer");
    await h.call("PUT", `/api/v1/teams/${team.body.id}/members/${u.id}`, {
      token: h.adminToken,
      body: { role },
    });
    return u;
  };
  const operator = await member("operator");
  const assistant = await h.call<{ id: string }>("POST", "/api/v1/assistants", {
    token: operator.token,
    body: {
      name: `${name} helper`,
      teamId: team.body.id,
      instructions: "Be brief.",
      starterPrompts: ["Opening hours?"],
    },
  });
  return { teamId: team.body.id, operator, assistantId: assistant.body.id, member };
}

/** Publishes a widget as `token` (allowing {@link HOST} unless told otherwise). */
export async function publish(
  h: Harness,
  token: string,
  team: { teamId: string; assistantId: string },
  settings: Record<string, unknown> = {},
): Promise<CreatedWidget> {
  const res = await h.call<CreatedWidget>("POST", "/api/v1/widgets", {
    token,
    body: {
      teamId: team.teamId,
      assistantId: team.assistantId,
      name: "Shop chat",
      allowedOrigins: [HOST],
      ...settings,
    },
  });
  if (res.status !== 201) throw new Error(`publishing failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A request to the public visitor API of widget `key`, from a page at `origin`. */
export function visitorCall<T = unknown>(
  h: Harness,
  method: string,
  key: string,
  path: string,
  options: { origin?: string | null; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const origin = options.origin === undefined ? HOST : options.origin;
  if (origin) headers.origin = origin;
  if (options.token) headers["x-parley-visitor"] = options.token;
  return h.call<T>(method, `/api/v1/widget-api/${key}${path}`, {
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

/** A new anonymous (or, with `user`, signed) visitor's token. */
export async function visitor(
  h: Harness,
  key: string,
  user?: { userId: string; secret: string },
): Promise<VisitorSession> {
  const body = user ? { userId: user.userId, signature: sign(user.secret, user.userId) } : {};
  const res = await visitorCall<VisitorSession>(h, "POST", key, "/sessions", { body });
  if (res.status !== 201) throw new Error(`session failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What a host site's server computes: hex HMAC-SHA256 of the user id under the widget's secret. */
export function sign(secret: string, userId: string): string {
  return createHmac("sha256", secret).update(userId).digest("hex");
}
