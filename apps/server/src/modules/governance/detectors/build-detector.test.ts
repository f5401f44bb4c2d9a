import { createHash } from "node:crypto";
import { DetectorSpec } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { buildDetector } from "./build-detector.ts";
import { InvalidDetectorError } from "./invalid-detector.error.ts";
import { fingerprint } from "./types.ts";

describe("buildDetector", () => {
  it("builds a working detector from every kind of spec", async () => {
    const text = "ask ann@example.org about Nova, ref ZX-9";
    const specs: DetectorSpec[] = [
      { type: "secrets" },
      { type: "pii", kinds: ["email"] },
      { type: "regex", pattern: String.raw`zx-\d`, flags: "i" },
      { type: "keywords", words: ["nova"] },
    ];
    const found = await Promise.all(
      specs.map(async (s) => buildDetector(DetectorSpec.parse(s)).detect(text)),
    );
    expect(found.map((ms) => ms.map((m) => `${m.detector}/${m.kind}:${text.slice(m.start, m.end)}`))).toEqual(
      [[], ["pii/email:ann@example.org"], ["regex/regex:ZX-9"], ["keywords/keyword:Nova"]],
    );
    for (const s of specs) expect(buildDetector(s).maxMatchLength).toBeGreaterThan(0);
  });

  it("rejects malformed specs at the schema and unsafe patterns when built", () => {
    for (const bad of [
      { type: "pii", kinds: [] },
      { type: "pii", kinds: ["ssn"] },
      { type: "regex", pattern: "" },
      { type: "regex", pattern: "a", flags: "y" },
      { type: "keywords", words: [" "] },
      { type: "other" },
    ]) {
      expect(DetectorSpec.safeParse(bad).success).toBe(false);
    }
    expect(() => buildDetector({ type: "regex", pattern: "(?<=a)b" })).toThrow(InvalidDetectorError);
  });
});

describe("fingerprint", () => {
  it("is the SHA-256 of the matched slice only", () => {
    const text = "mail ann@example.org now";
    const match = { detector: "pii", kind: "email", start: 5, end: 20 };
    expect(fingerprint(text, match)).toBe(createHash("sha256").update("ann@example.org").digest("hex"));
    expect(fingerprint(`xx ${text}`, { ...match, start: 8, end: 23 })).toBe(fingerprint(text, match));
  });
});
