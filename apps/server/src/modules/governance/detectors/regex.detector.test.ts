import { describe, expect, it } from "vitest";
import { InvalidDetectorError } from "./invalid-detector.error.ts";
import { regexDetector } from "./regex.detector.ts";

describe("regex detector", () => {
  it("finds every match with its offsets, honouring flags", async () => {
    const text = "see TICKET-42 and ticket-7";
    const found = await regexDetector(String.raw`ticket-\d+`, "i").detect(text);
    expect(found.map((m) => text.slice(m.start, m.end))).toEqual(["TICKET-42", "ticket-7"]);
    expect(await regexDetector(String.raw`ticket-\d+`).detect(text)).toHaveLength(1);
  });

  it("can be run again on another text", async () => {
    const detector = regexDetector("ab");
    expect(await detector.detect("ab ab")).toHaveLength(2);
    expect(await detector.detect("xab")).toEqual([{ detector: "regex", kind: "regex", start: 1, end: 3 }]);
  });

  it("skips empty matches and still ends", async () => {
    expect(await regexDetector("x*").detect("aaxxa")).toEqual([
      { detector: "regex", kind: "regex", start: 2, end: 4 },
    ]);
  });

  it("rejects patterns that are not valid", () => {
    for (const bad of ["(", "[a-", "a{2,1}", "\\"]) {
      expect(() => regexDetector(bad)).toThrow(InvalidDetectorError);
    }
  });

  it("rejects lookaround and backreferences, which the linear engine cannot run", () => {
    for (const unsafe of ["(?<=a)b", "a(?=b)", String.raw`(a)\1`]) {
      expect(() => regexDetector(unsafe)).toThrow(InvalidDetectorError);
    }
  });

  it("runs a catastrophic pattern in linear time", async () => {
    const text = "a".repeat(100_000) + "!";
    const started = performance.now();
    expect(await regexDetector("(a+)+$").detect(text)).toEqual([]);
    expect(await regexDetector("(x+x+)+y").detect("x".repeat(50_000))).toEqual([]);
    // Backtracking engines take longer than the universe has on these; RE2 takes milliseconds.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("reports offsets in UTF-16 units, as String#slice counts, after astral characters", async () => {
    const text = "😀 café 😀 café";
    const found = await regexDetector("café").detect(text);
    expect(found.map((m) => text.slice(m.start, m.end))).toEqual(["café", "café"]);
  });
});

describe("regex detector memory", () => {
  it("builds any number of detectors without exhausting RE2's fixed heap", async () => {
    // re2-wasm's heap is 16 MB and never shrinks: thousands of unfreed compilations exhaust it.
    for (let i = 0; i < 6000; i++) regexDetector(`order-${i}-[0-9]{6}`);
    const found = await regexDetector("order-[0-9]{6}").detect("see order-123456");
    expect(found).toEqual([{ detector: "regex", kind: "regex", start: 4, end: 16 }]);
    // A detector whose pattern was evicted meanwhile compiles it again.
    const early = regexDetector("early-[a-z]+");
    for (let i = 0; i < 300; i++) regexDetector(`filler-${i}`);
    expect(await early.detect("an early-bird")).toHaveLength(1);
  });
});
