import { describe, expect, it } from "vitest";
import { MAX_FIELD_CHARS, MAX_SUMMARY_CHARS, normalizeEvent, normalizeSummary } from "./audit-normalize.ts";
import { buildAuditEvent } from "./audit-test-support.ts";

describe("normalizeSummary", () => {
  it("redacts values under secret-looking keys, in objects and arrays, at any depth", () => {
    expect(
      normalizeSummary({
        password: "p",
        newPassword: "p",
        clientSecret: "s",
        accessToken: "t",
        apiKey: { id: 1 },
        privateKey: "k",
        KEY: "k",
        name: "kept",
        maxTokens: 100,
        promptTokens: 12,
        apiKeyId: "k_1",
        nested: [{ webhookSecret: "s", count: 2 }],
      }),
    ).toEqual({
      password: "[redacted]",
      newPassword: "[redacted]",
      clientSecret: "[redacted]",
      accessToken: "[redacted]",
      apiKey: "[redacted]",
      privateKey: "[redacted]",
      KEY: "[redacted]",
      name: "kept",
      maxTokens: 100,
      promptTokens: 12,
      apiKeyId: "k_1",
      nested: [{ webhookSecret: "[redacted]", count: 2 }],
    });
  });

  it("reduces values to plain JSON", () => {
    const when = new Date(Date.UTC(2026, 0, 1));
    expect(
      normalizeSummary({ when, big: 10n, gone: undefined, nan: Number.NaN, neg: -0, fn: () => 1 }),
    ).toEqual({
      when: "2026-01-01T00:00:00.000Z",
      big: "10",
      nan: null,
      neg: 0,
    });
  });

  it("makes text storable in PostgreSQL: no NUL, no lone surrogates", () => {
    expect(normalizeSummary({ "k\u0000": "a\u0000b", s: "x\uD800y", ok: "😀" })).toEqual({
      "k\uFFFD": "a\uFFFDb",
      s: "x\uFFFDy",
      ok: "😀",
    });
  });

  it("keeps a __proto__ key as plain data", () => {
    const summary = normalizeSummary(
      JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>,
    );
    expect(Object.keys(summary)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("replaces an oversized summary by a note", () => {
    expect(normalizeSummary({ text: "x".repeat(MAX_SUMMARY_CHARS) })).toEqual({
      truncated: true,
      originalChars: MAX_SUMMARY_CHARS + 11,
    });
  });
});

describe("normalizeEvent", () => {
  it("clips over-long fields instead of failing the operation being audited", () => {
    const long = "x".repeat(5_000);
    const event = normalizeEvent(buildAuditEvent({ target: { type: "route", id: long }, ip: long }));
    expect(event.target_id).toHaveLength(MAX_FIELD_CHARS);
    expect(event.ip).toHaveLength(100);
  });

  it("does not split a surrogate pair when clipping", () => {
    const event = normalizeEvent(buildAuditEvent({ teamId: `${"x".repeat(MAX_FIELD_CHARS - 1)}😀` }));
    expect(event.team_id).toBe(`${"x".repeat(MAX_FIELD_CHARS - 1)}\uFFFD`);
  });

  it("stores the caller's summary keys, even one named __proto__", () => {
    const summary = JSON.parse('{"__proto__":{"a":1},"b":2}') as Record<string, unknown>;
    const event = normalizeEvent(buildAuditEvent({ summary }));
    expect(Object.keys(event.summary)).toEqual(["__proto__", "b"]);
  });

  it("rejects an action that is not `area.verb`", () => {
    for (const action of ["login", "Auth.Login", "auth login", ""]) {
      expect(() => normalizeEvent(buildAuditEvent({ action }))).toThrow();
    }
  });
});
