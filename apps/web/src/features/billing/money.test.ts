import { describe, expect, it } from "vitest";
import { formatMicros, microsToInput, parseAmount } from "./money.ts";

describe("amounts people type", () => {
  it("reads dollars as whole micro-units, without float rounding", () => {
    expect(parseAmount("12.5")).toEqual({ ok: true, micros: 12_500_000 });
    expect(parseAmount("$0.000001")).toEqual({ ok: true, micros: 1 });
    expect(parseAmount("1,000")).toEqual({ ok: true, micros: 1_000_000_000 });
    expect(parseAmount(".1")).toEqual({ ok: true, micros: 100_000 });
    // 0.1 + 0.2 in floats is 0.30000000000000004: here it is exact.
    expect(parseAmount("0.3")).toEqual({ ok: true, micros: 300_000 });
    expect(parseAmount("-2.25", { signed: true })).toEqual({ ok: true, micros: -2_250_000 });
  });

  it("says what is wrong with anything else", () => {
    for (const bad of [
      "",
      "abc",
      "1e5",
      "1.2.3",
      ".",
      "$",
      "--1",
      "1.0000001",
      "0",
      "0.000000",
      "-1",
      "2000000",
    ])
      expect(parseAmount(bad).ok, bad).toBe(false);
    expect(parseAmount("-1")).toEqual({ ok: false, error: "Enter a positive amount." });
    expect(parseAmount("1000000")).toEqual({ ok: true, micros: 1_000_000_000_000 });
    expect(parseAmount("1000000.000001").ok).toBe(false);
  });

  it("shows micro-units as dollars with the decimals that matter", () => {
    expect(formatMicros(12_500_000)).toBe("$12.50");
    expect(formatMicros(0)).toBe("$0.00");
    expect(formatMicros(1)).toBe("$0.000001");
    expect(formatMicros(-1_234)).toBe("−$0.001234");
    expect(formatMicros(1_234_500_000)).toBe("$1,234.50");
    expect(formatMicros(10_000)).toBe("$0.01");
    expect(formatMicros(1_000)).toBe("$0.001");
    expect(microsToInput(12_500_000)).toBe("12.5");
    expect(microsToInput(3_000_000)).toBe("3");
  });
});
