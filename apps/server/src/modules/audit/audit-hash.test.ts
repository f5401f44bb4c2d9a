import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorHash, canonicalJson, entryHash, GENESIS_HASH, type SealedFields } from "./audit-hash.ts";
import { testSecrets } from "./audit-test-support.ts";

const key = testSecrets.key("audit");

const fields: SealedFields = {
  seq: 1,
  id: "0b9f0f5c-4a55-4f5e-9f0e-8d1c2b3a4d5e",
  at: 1_795_305_600_000,
  action: "auth.login",
  outcome: "success",
  actor_type: "user",
  actor_id: "u1",
  actor_email: "ada@example.com",
  target_type: "user",
  target_id: "u1",
  team_id: null,
  request_id: "req-1",
  ip: "203.0.113.7",
  summary: { method: "password" },
  prev_hash: GENESIS_HASH,
};

describe("canonicalJson", () => {
  it("sorts object keys at every depth and writes no whitespace", () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: "x", c: 2.5 }], "10": 0, "2": 0 })).toBe(
      '{"10":0,"2":0,"a":[true,null,{"c":2.5,"d":"x"}],"b":1}',
    );
  });

  it("leaves out undefined members and refuses values JSON cannot hold", () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    for (const bad of [Number.NaN, Infinity, 1n, () => 1, [undefined]])
      expect(() => canonicalJson(bad)).toThrow(TypeError);
  });

  it("does not depend on the order keys were inserted in (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(object));
        expect(JSON.parse(canonicalJson(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });
});

describe("entryHash", () => {
  it("is 64 hex digits that depend on the key", () => {
    const hash = entryHash(key, fields);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(key, fields)).toBe(hash);
    expect(entryHash(Buffer.alloc(32), fields)).not.toBe(hash);
  });

  it("changes when any sealed field changes", () => {
    const hash = entryHash(key, fields);
    const changed: Partial<SealedFields>[] = [
      { seq: 2 },
      { id: "other" },
      { at: fields.at + 1 },
      { action: "auth.logout" },
      { outcome: "failure" },
      { actor_type: "api_key" },
      { actor_id: null },
      { actor_email: "eve@example.com" },
      { target_type: null },
      { target_id: "u2" },
      { team_id: "t1" },
      { request_id: null },
      { ip: "203.0.113.8" },
      { summary: { method: "sso" } },
      { prev_hash: "f".repeat(64) },
    ];
    for (const change of changed) expect(entryHash(key, { ...fields, ...change })).not.toBe(hash);
  });

  it("tells null from an empty string and from the text 'null'", () => {
    const hashes = [null, "", "null"].map((team_id) => entryHash(key, { ...fields, team_id }));
    expect(new Set(hashes).size).toBe(3);
  });
});

describe("anchorHash", () => {
  it("seals every anchor field", () => {
    const anchor = { pruned_through_seq: 10, last_pruned_hash: "a".repeat(64), pruned_at: 5 };
    const hash = anchorHash(key, anchor);
    expect(anchorHash(key, { ...anchor, pruned_through_seq: 11 })).not.toBe(hash);
    expect(anchorHash(key, { ...anchor, last_pruned_hash: "b".repeat(64) })).not.toBe(hash);
    expect(anchorHash(key, { ...anchor, pruned_at: 6 })).not.toBe(hash);
  });
});
