import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_TEXT,
  bagOfWords,
  countTokens,
  embed,
  sampleFromSchema,
  splitText,
  toBase64,
} from "./text.ts";

describe("splitText", () => {
  it("splits the default text into one word per chunk", () => {
    expect(DEFAULT_TEXT.split(" ")).toHaveLength(50);
    expect(splitText(DEFAULT_TEXT, 50).map((piece) => piece.trim())).toEqual(DEFAULT_TEXT.split(" "));
  });

  it("falls back to characters when there are fewer words than chunks", () => {
    expect(splitText("Hello", 5)).toEqual(["H", "e", "l", "l", "o"]);
    expect(splitText("Hi there", 4)).toEqual(["Hi", " t", "he", "re"]);
    expect(splitText("Hi", 5)).toEqual(["H", "i"]);
  });

  it("always gives back the text, in min(chunks, characters) non-empty pieces", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 1, max: 80 }), (text, count) => {
        const pieces = splitText(text, count);
        expect(pieces.join("")).toBe(text);
        expect(pieces).toHaveLength(Math.min(count, Array.from(text).length));
        expect(pieces.every((piece) => piece !== "")).toBe(true);
      }),
    );
  });
});

describe("countTokens", () => {
  it("counts one token per four characters, rounded up", () => {
    expect([countTokens(""), countTokens("abcd"), countTokens("abcde")]).toEqual([0, 1, 2]);
  });
});

describe("embed", () => {
  it("returns the same unit vector for the same input and float32 values that survive base64", () => {
    const vector = embed("hello", 20);
    expect(embed("hello", 20)).toEqual(vector);
    expect(vector).toHaveLength(20);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    const bytes = Buffer.from(toBase64(vector), "base64");
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded).toEqual(vector);
  });

  it("is a bag of words: word order, case, stop words and plain endings do not change it", () => {
    expect(bagOfWords("The stars fused hydrogen; a star fuses HYDROGEN")).toEqual(
      new Map([
        ["star", 2],
        ["fus", 2],
        ["hydrogen", 2],
      ]),
    );
    expect(embed("Stars fuse hydrogen", 64)).toEqual(embed("hydrogen, fusing in the star", 64));
  });

  it("points texts that share words closer together than texts that share none", () => {
    const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);
    const query = embed("how do leaves turn sunlight into sugar", 256);
    const related = embed("Chlorophyll in the leaves turns sunlight and water into sugar and oxygen", 256);
    const unrelated = embed("Backups run nightly with pg_dump; restore them with pg_restore", 256);
    expect(dot(query, related)).toBeGreaterThan(0.5);
    expect(Math.abs(dot(query, unrelated))).toBeLessThan(0.2);
  });

  it("gives text without words a unit vector too", () => {
    for (const input of ["", "!!! ???", "the of and"]) {
      expect(Math.hypot(...embed(input, 16))).toBeCloseTo(1, 5);
    }
    expect(embed("", 16)).not.toEqual(embed("???", 16));
  });
});

describe("sampleFromSchema", () => {
  it("fills required properties by type, recursively", () => {
    const schema = {
      type: "object",
      properties: {
        city: { type: "string" },
        unit: { enum: ["celsius", "fahrenheit"] },
        days: { type: ["integer", "null"] },
        where: { type: "object", properties: { lat: { type: "number" } }, required: ["lat"] },
        optional: { type: "string" },
      },
      required: ["city", "unit", "days", "where"],
    };
    expect(sampleFromSchema(schema)).toEqual({
      city: "fake city",
      unit: "celsius",
      days: 1,
      where: { lat: 1 },
    });
  });

  it("samples as many array items as minItems asks for, and numbers at their minimum", () => {
    const schema = {
      type: "object",
      properties: {
        tags: { type: "array", items: { type: "string" } },
        steps: {
          type: "array",
          minItems: 2,
          items: {
            type: "object",
            properties: { minutes: { type: "integer", minimum: 5 } },
            required: ["minutes"],
          },
        },
      },
      required: ["tags", "steps"],
    };
    expect(sampleFromSchema(schema)).toEqual({ tags: [], steps: [{ minutes: 5 }, { minutes: 5 }] });
  });

  it("gives an empty object for a schema without required properties", () => {
    expect(sampleFromSchema({ type: "object", properties: { a: { type: "string" } } })).toEqual({});
  });
});
