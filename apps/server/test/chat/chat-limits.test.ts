import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { openSse } from "./sse-client.ts";

let fake: FakeUpstream;
let h: Harness;

beforeAll(async () => {
  fake = await startFakeUpstream({ chunks: 5 });
  h = await startHarness({
    PARLEY_PROVIDERS: fakeProviders(fake.url),
    PARLEY_MAX_STREAMS_PER_USER: "2",
  });
});
afterAll(async () => {
  await h.stop();
  await fake.close();
});

describe("event stream limits, presence and metrics", () => {
  it("refuses a third open stream per user with 429, shows presence, and exports stream metrics", async () => {
    const conv = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: {},
    });
    const url = `${h.url}/api/v1/conversations/${conv.body.id}/events`;
    const headers = { authorization: `Bearer ${h.adminToken}` };
    const [one, two] = await Promise.all([openSse(url, headers), openSse(url, headers)]);
    const third = await fetch(url, { headers });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe("rate_limit.exceeded");
    expect(third.headers.get("retry-after")).toBe("5");

    const presence = await h.call<{ viewers: number; users: string[] }>(
      "GET",
      `/api/v1/conversations/${conv.body.id}/presence`,
      {
        token: h.adminToken,
      },
    );
    expect(presence.body.viewers).toBe(2);
    expect(presence.body.users).toHaveLength(1);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_sse_active_streams\{[^}]*\} 2/);
    expect(metrics).toContain("parley_sse_rejected_total");
    expect(metrics).toContain("parley_sse_connects_total");

    one.close();
    two.close();
    await new Promise((r) => setTimeout(r, 200));
    const after = await h.call<{ viewers: number }>("GET", `/api/v1/conversations/${conv.body.id}/presence`, {
      token: h.adminToken,
    });
    expect(after.body.viewers).toBe(0);
    const again = await openSse(url, headers);
    again.close();
  });

  it("exports time to first token, events relayed and log lag once an answer streamed", async () => {
    const conv = await h.call<{ id: string }>("POST", "/api/v1/conversations", {
      token: h.adminToken,
      body: {},
    });
    const sse = await openSse(`${h.url}/api/v1/conversations/${conv.body.id}/events`, {
      authorization: `Bearer ${h.adminToken}`,
    });
    await h.call("POST", `/api/v1/conversations/${conv.body.id}/messages`, {
      token: h.adminToken,
      body: { content: "hi" },
    });
    await sse.until((events) => events.some((e) => e.event === "message.completed"));
    sse.close();
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_chat_ttft_seconds_count\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/parley_sse_events_relayed_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/parley_sse_log_lag_seconds_count\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/parley_sse_connects_total\{[^}]*kind="fresh"[^}]*\} [1-9]/);
  });
});
