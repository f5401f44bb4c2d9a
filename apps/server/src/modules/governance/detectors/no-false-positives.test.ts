import { describe, expect, it } from "vitest";
import { buildDetector } from "./build-detector.ts";

const prose = `The committee met on Tuesday, 3 March 2025, to review the quarterly figures. Revenue grew
by 12.5% to 4,250,000 euros, while costs stayed at 1.2 million. Chapter 11 of the report, pages 245-260,
explains the new policy; see section 4.2.1 for the details. Call it what you will: the results, in
1999 and again in 2024, were strong. Room 101 on floor 3 holds 25 people.`;

const code = `import { z } from "zod"; // zod@4.6.7, node v24.21.0, typescript 5.9.3
const VERSION = "1.2.3-beta.4";
const id = "550e8400-e29b-41d4-a716-446655440000";
const createdAt = new Date("2024-01-02T10:20:30.123Z"); // 1704190830123
const port = 8080; const retries = [100, 200, 400, 800];
export function sum(a: number, b: number): number { return a + b; } // std::vector<int> in C++
const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";`;

describe("detectors on ordinary text", () => {
  for (const [name, text] of [
    ["English prose", prose],
    ["TypeScript with versions, dates and UUIDs", code],
  ] as const) {
    it(`find nothing in ${name}`, async () => {
      const detectors = [
        buildDetector({ type: "secrets" }),
        buildDetector({ type: "pii", kinds: ["email", "phone", "card", "iban", "ip"] }),
      ];
      for (const detector of detectors) {
        const found = await detector.detect(text);
        expect(found.map((m) => `${m.kind}:${text.slice(m.start, m.end)}`)).toEqual([]);
      }
    });
  }
});
