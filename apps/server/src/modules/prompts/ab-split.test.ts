import { describe, expect, it } from "vitest";
import { bucketOf, pickVersion } from "./ab-split.ts";

describe("sticky A/B assignment", () => {
  const split = [
    { version: 3, weight: 90 },
    { version: 4, weight: 10 },
  ];

  it("gives each user the same version every time", () => {
    for (let i = 0; i < 200; i++) {
      const first = pickVersion(split, `user-${i}`, "prompt-1", "production");
      for (let again = 0; again < 3; again++)
        expect(pickVersion(split, `user-${i}`, "prompt-1", "production")).toBe(first);
    }
  });

  it("spreads 10,000 users close to the weights", () => {
    let four = 0;
    for (let i = 0; i < 10_000; i++) if (pickVersion(split, `u${i}`, "prompt-1", "production") === 4) four++;
    // 10 % ± 1 point (the binomial standard deviation is 0.3 point).
    expect(four).toBeGreaterThan(900);
    expect(four).toBeLessThan(1_100);
  });

  it("assigns independently per prompt and per label", () => {
    const users = Array.from({ length: 2_000 }, (_, i) => `u${i}`);
    const even = [
      { version: 1, weight: 50 },
      { version: 2, weight: 50 },
    ];
    const a = users.map((u) => pickVersion(even, u, "p1", "production"));
    const b = users.map((u) => pickVersion(even, u, "p2", "production"));
    const c = users.map((u) => pickVersion(even, u, "p1", "staging"));
    const agree = (x: number[], y: number[]) => x.filter((v, i) => v === y[i]).length / x.length;
    expect(agree(a, b)).toBeGreaterThan(0.4);
    expect(agree(a, b)).toBeLessThan(0.6);
    expect(agree(a, c)).toBeGreaterThan(0.4);
    expect(agree(a, c)).toBeLessThan(0.6);
  });

  it("moves only the users of the changed share when the weights change", () => {
    const users = Array.from({ length: 2_000 }, (_, i) => `u${i}`);
    const wider = [
      { version: 3, weight: 80 },
      { version: 4, weight: 20 },
    ];
    for (const u of users)
      if (pickVersion(split, u, "p", "production") === 4)
        expect(pickVersion(wider, u, "p", "production")).toBe(4);
  });

  it("sends everyone to a single target, and keeps buckets in range", () => {
    expect(pickVersion([{ version: 7, weight: 1 }], "anyone", "p", "l")).toBe(7);
    for (let i = 0; i < 100; i++) {
      const bucket = bucketOf(`u${i}`, "p", "l", 3);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(3);
    }
  });
});
