import type { ErrorEnvelope, Widget, WidgetPublicConfig, WidgetSecret } from "@parley/contracts";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { VISITOR_TOKEN_TTL_MS, WidgetCrypto } from "../../src/modules/widgets/visitor-tokens.ts";
import { ManualClock } from "../../src/platform/clock/clock.ts";
import { HOST, publish, sign, visitor, visitorCall, widgetTeam } from "./widget-support.ts";

let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 2 });
  h = await startHarness({ PARLEY_PROVIDERS: fakeProviders(fake.url) });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

describe("widget management", () => {
  it("publishes, reads, changes, rotates and deletes a widget, auditing every change", async () => {
    const team = await widgetTeam(h, "Managed");
    const created = await publish(h, team.operator.token, team, {
      greeting: "Hello!",
      position: "bottom-left",
    });
    expect(created).toMatchObject({
      teamId: team.teamId,
      assistantId: team.assistantId,
      publisherId: team.operator.id,
      greeting: "Hello!",
      position: "bottom-left",
      mode: "public",
      allowedOrigins: [HOST],
      enabled: true,
    });
    expect(created.key).toMatch(/^wk_[\w-]{24}$/);
    expect(created.secret).toMatch(/^[0-9a-f]{64}$/);

    const developer = await team.member("developer");
    const read = await h.call<Widget>("GET", `/api/v1/widgets/${created.id}`, { token: developer.token });
    expect(read.body).toMatchObject({ id: created.id, key: created.key });
    expect(read.body).not.toHaveProperty("secret");
    // Developers see the team's widgets but neither change them nor read their secret.
    const changeDenied = await h.call<ErrorEnvelope>("PATCH", `/api/v1/widgets/${created.id}`, {
      token: developer.token,
      body: { name: "Mine" },
    });
    expect([changeDenied.status, changeDenied.body.error.code]).toEqual([403, "auth.forbidden"]);
    expect(
      (await h.call("GET", `/api/v1/widgets/${created.id}/secret`, { token: developer.token })).status,
    ).toBe(403);

    const changed = await h.call<Widget>("PATCH", `/api/v1/widgets/${created.id}`, {
      token: team.operator.token,
      body: { primaryColor: "#123456", limits: { visitorPerHour: 5, ipPerHour: 50, widgetPerDay: 100 } },
    });
    expect(changed.body).toMatchObject({ primaryColor: "#123456", limits: { visitorPerHour: 5 } });

    const rotated = await h.call<Widget>("POST", `/api/v1/widgets/${created.id}/rotate-key`, {
      token: team.operator.token,
    });
    expect(rotated.body.key).not.toBe(created.key);
    const secret = await h.call<WidgetSecret>("POST", `/api/v1/widgets/${created.id}/rotate-secret`, {
      token: team.operator.token,
    });
    expect(secret.body.secret).not.toBe(created.secret);
    const current = await h.call<WidgetSecret>("GET", `/api/v1/widgets/${created.id}/secret`, {
      token: team.operator.token,
    });
    expect(current.body.secret).toBe(secret.body.secret);

    const list = await h.call<{ items: Widget[] }>("GET", `/api/v1/widgets?teamId=${team.teamId}`, {
      token: developer.token,
    });
    expect(list.body.items.map((w) => w.id)).toEqual([created.id]);
    expect(
      (await h.call("DELETE", `/api/v1/widgets/${created.id}`, { token: team.operator.token })).status,
    ).toBe(204);

    const audit = await h.call<{ items: { action: string; target: { id: string } | null }[] }>(
      "GET",
      "/api/v1/audit?limit=100",
      { token: h.adminToken },
    );
    const actions = audit.body.items.filter((e) => e.target?.id === created.id).map((e) => e.action);
    expect(actions.sort()).toEqual([
      "widget.created",
      "widget.deleted",
      "widget.key_rotated",
      "widget.secret_read",
      "widget.secret_rotated",
      "widget.updated",
    ]);
  });

  it("hides another team's widget (404) and refuses an assistant of another team", async () => {
    const mine = await widgetTeam(h, "Mine");
    const theirs = await widgetTeam(h, "Theirs");
    const widget = await publish(h, theirs.operator.token, theirs);
    for (const [method, path] of [
      ["GET", ""],
      ["PATCH", ""],
      ["DELETE", ""],
      ["POST", "/rotate-key"],
      ["GET", "/secret"],
    ] as const) {
      const res = await h.call<ErrorEnvelope>(method, `/api/v1/widgets/${widget.id}${path}`, {
        token: mine.operator.token,
        ...(method === "PATCH" ? { body: { name: "x" } } : {}),
      });
      expect([method, path, res.status, res.body.error.code]).toEqual([
        method,
        path,
        404,
        "widget.not_found",
      ]);
    }
    // Their assistant, published in my team: not mine to publish.
    const crossed = await h.call<ErrorEnvelope>("POST", "/api/v1/widgets", {
      token: mine.operator.token,
      body: { teamId: mine.teamId, assistantId: theirs.assistantId, name: "Stolen" },
    });
    expect([crossed.status, crossed.body.error.code]).toEqual([404, "assistant.not_found"]);
  });

  it("accepts exact origins only", async () => {
    const team = await widgetTeam(h, "Origins");
    for (const bad of [
      "https://shop.example/",
      "https://*.example",
      "shop.example",
      "https://shop.example/path",
      "javascript:alert(1)",
      "https://Shop.example",
    ]) {
      const res = await h.call<ErrorEnvelope>("POST", "/api/v1/widgets", {
        token: team.operator.token,
        body: { teamId: team.teamId, assistantId: team.assistantId, name: "W", allowedOrigins: [bad] },
      });
      expect([bad, res.status, res.body.error.code]).toEqual([bad, 400, "validation.failed"]);
    }
  });
});

describe("the public visitor API", () => {
  it("answers an allowed origin with its CORS grant, and refuses any other with 403 and no grant", async () => {
    const team = await widgetTeam(h, "Cors");
    const widget = await publish(h, team.operator.token, team);
    const allowed = await visitorCall<WidgetPublicConfig>(h, "GET", widget.key, "");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(HOST);
    expect(allowed.body).toMatchObject({ name: "Shop chat", starterPrompts: ["Opening hours?"] });
    expect(allowed.body).not.toHaveProperty("allowedOrigins");

    for (const origin of [
      "https://evil.example",
      "https://shop.example.evil.example",
      "null",
      "http://shop.example",
    ]) {
      const refused = await visitorCall<ErrorEnvelope>(h, "GET", widget.key, "", { origin });
      expect([origin, refused.status, refused.body.error.code]).toEqual([
        origin,
        403,
        "widget.origin_not_allowed",
      ]);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      const session = await visitorCall<ErrorEnvelope>(h, "POST", widget.key, "/sessions", {
        origin,
        body: {},
      });
      expect(session.status).toBe(403);
    }

    const preflight = await fetch(`${h.url}/api/v1/widget-api/${widget.key}/sessions`, {
      method: "OPTIONS",
      headers: {
        origin: HOST,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(HOST);
    expect(preflight.headers.get("access-control-allow-headers")).toContain("x-parley-visitor");
    const refusedPreflight = await fetch(`${h.url}/api/v1/widget-api/${widget.key}/sessions`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(refusedPreflight.status).toBe(403);
    expect(refusedPreflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses forged, expired and other widgets' visitor tokens with 401", async () => {
    const team = await widgetTeam(h, "Tokens");
    const widget = await publish(h, team.operator.token, team);
    const other = await publish(h, team.operator.token, team);
    const session = await visitor(h, widget.key);
    expect((await visitorCall(h, "GET", widget.key, "/conversations", { token: session.token })).status).toBe(
      200,
    );

    const payload = session.token.split(".")[1];
    const forgedTokens = {
      "no token": undefined,
      garbage: "not-a-token",
      "signature changed": `${session.token.slice(0, -4)}AAAA`,
      "alg none": `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload ?? ""}.`,
      "another key": await new SignJWT({ wid: widget.id, kv: 1 })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("anon:x")
        .setIssuer("parley")
        .setAudience("parley-widget-visitor")
        .setExpirationTime("1h")
        .sign(new TextEncoder().encode("a-secret-of-an-attacker-0123456789")),
      "another widget's": (await visitor(h, other.key)).token,
      // Signed with the installation's own key, for this widget, eight days ago: expired.
      expired: (
        await new WidgetCrypto(
          h.parley.platform.secrets.key("widget"),
          new ManualClock(Date.now() - VISITOR_TOKEN_TTL_MS - 60_000),
        ).issue({ widgetId: widget.id, keyVersion: 1, visitorId: session.visitorId })
      ).token,
    };
    for (const [label, token] of Object.entries(forgedTokens)) {
      const res = await visitorCall<ErrorEnvelope>(h, "GET", widget.key, "/conversations", {
        ...(token ? { token } : {}),
      });
      expect([label, res.status, res.body.error.code]).toEqual([label, 401, "widget.visitor_token_invalid"]);
      // The refusal stays readable by the widget's page (the CORS grant is there).
      expect(res.headers.get("access-control-allow-origin")).toBe(HOST);
    }
  });

  it("keeps a visitor's identity with their current token, and signs users in signed mode (bad HMAC refused)", async () => {
    const team = await widgetTeam(h, "Signed");
    const open = await publish(h, team.operator.token, team);
    const first = await visitor(h, open.key);
    const again = await visitorCall<{ visitorId: string }>(h, "POST", open.key, "/sessions", {
      token: first.token,
      body: {},
    });
    expect(again.body.visitorId).toBe(first.visitorId);
    expect((await visitor(h, open.key)).visitorId).not.toBe(first.visitorId);

    const signed = await publish(h, team.operator.token, team, { mode: "signed" });
    const anonymous = await visitorCall<ErrorEnvelope>(h, "POST", signed.key, "/sessions", { body: {} });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, "widget.signature_invalid"]);
    for (const signature of [sign("wrong-secret", "42"), sign(signed.secret, "43"), "0".repeat(64)]) {
      const bad = await visitorCall<ErrorEnvelope>(h, "POST", signed.key, "/sessions", {
        body: { userId: "42", signature },
      });
      expect([bad.status, bad.body.error.code]).toEqual([401, "widget.signature_invalid"]);
    }
    const good = await visitor(h, signed.key, { userId: "42", secret: signed.secret });
    expect(good.visitorId).toBe("user:42");

    // A rotated secret: the old signatures are refused.
    await h.call("POST", `/api/v1/widgets/${signed.id}/rotate-secret`, { token: team.operator.token });
    const stale = await visitorCall<ErrorEnvelope>(h, "POST", signed.key, "/sessions", {
      body: { userId: "42", signature: sign(signed.secret, "42") },
    });
    expect(stale.status).toBe(401);

    // A public widget turned signed: its anonymous visitors' tokens stop working.
    await h.call("PATCH", `/api/v1/widgets/${open.id}`, {
      token: team.operator.token,
      body: { mode: "signed" },
    });
    const after = await visitorCall<ErrorEnvelope>(h, "GET", open.key, "/conversations", {
      token: first.token,
    });
    expect([after.status, after.body.error.code]).toEqual([401, "widget.visitor_token_invalid"]);
  });

  it("rotating the key retires the old key and every visitor token issued under it", async () => {
    const team = await widgetTeam(h, "Rotate");
    const widget = await publish(h, team.operator.token, team);
    const session = await visitor(h, widget.key);
    const rotated = await h.call<Widget>("POST", `/api/v1/widgets/${widget.id}/rotate-key`, {
      token: team.operator.token,
    });
    const oldKey = await visitorCall<ErrorEnvelope>(h, "GET", widget.key, "");
    expect([oldKey.status, oldKey.body.error.code]).toEqual([404, "widget.not_found"]);
    const oldToken = await visitorCall<ErrorEnvelope>(h, "GET", rotated.body.key, "/conversations", {
      token: session.token,
    });
    expect([oldToken.status, oldToken.body.error.code]).toEqual([401, "widget.visitor_token_invalid"]);
    const fresh = await visitor(h, rotated.body.key);
    expect(
      (await visitorCall(h, "GET", rotated.body.key, "/conversations", { token: fresh.token })).status,
    ).toBe(200);
  });

  it("serves the loader and the chat with caching headers, loadable from any site", async () => {
    for (const file of ["loader.js", "chat.js"]) {
      const res = await fetch(`${h.url}/widget/v1/${file}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("javascript");
      expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
      expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      const etag = res.headers.get("etag") ?? "";
      const again = await fetch(`${h.url}/widget/v1/${file}`, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);
    }
    expect((await fetch(`${h.url}/widget/v1/secret.key`)).status).toBe(404);
  });

  it("serves the iframe page with frame-ancestors of the allowed origins only", async () => {
    const team = await widgetTeam(h, "Frame");
    const widget = await publish(h, team.operator.token, team, {
      allowedOrigins: [HOST, "http://localhost:3000"],
    });
    const res = await fetch(`${h.url}/widget/${widget.key}?userId=%22%3E%3Cscript%3E`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain(`frame-ancestors 'self' ${HOST} http://localhost:3000`);
    expect(res.headers.get("x-frame-options")).toBeNull();
    const html = await res.text();
    expect(html).toContain(`data-parley-widget="${widget.key}"`);
    expect(html).not.toContain('"><script>');
    const unknown = await fetch(`${h.url}/widget/wk_unknown`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});
