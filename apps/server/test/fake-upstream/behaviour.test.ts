import { describe, expect, it } from "vitest";
import { DEFAULT_BEHAVIOUR, resolveSettings, validateBehaviour } from "./behaviour.ts";

describe("resolveSettings", () => {
  it("uses the configured behaviour for a plain model name", () => {
    expect(resolveSettings(DEFAULT_BEHAVIOUR, "fake-model", {})).toEqual({
      model: "fake-model",
      chunks: 50,
      chunkDelayMs: 0,
      firstTokenDelayMs: 0,
      dimensions: 8,
      fault: undefined,
      reply: "text",
    });
  });

  it("lets x-fake headers override the behaviour and model directives override the headers", () => {
    const headers = {
      "x-fake-chunks": "3",
      "x-fake-delay": "7",
      "x-fake-fault": "500",
      "x-fake-reply": "cite",
    };
    expect(
      resolveSettings(DEFAULT_BEHAVIOUR, "fake-large@chunks=5,ttft=50,dims=32,fault=cut", headers),
    ).toEqual({
      model: "fake-large",
      chunks: 5,
      chunkDelayMs: 7,
      firstTokenDelayMs: 50,
      dimensions: 32,
      fault: "cut",
      reply: "cite",
    });
    expect(resolveSettings({ ...DEFAULT_BEHAVIOUR, reply: "cite" }, "m@reply=text", {})).toMatchObject({
      reply: "text",
    });
  });

  it("explains a directive it cannot use", () => {
    const cases = [
      "m@chunks=0",
      "m@delay=-1",
      "m@speed=2",
      "m@fault=boom",
      "m@chunks",
      "m@dims=0",
      "m@reply=sing",
    ];
    const errors = cases.map((model) => {
      const result = resolveSettings(DEFAULT_BEHAVIOUR, model, {});
      return "error" in result ? result.error : "";
    });
    expect(errors).toEqual([
      expect.stringContaining("chunks must be an integer >= 1"),
      expect.stringContaining("delay must be an integer >= 0"),
      expect.stringContaining('unknown directive "speed"'),
      expect.stringContaining('unknown fault "boom"'),
      expect.stringContaining("key=value"),
      expect.stringContaining("dims must be an integer >= 1"),
      expect.stringContaining('unknown reply "sing"'),
    ]);
    expect(resolveSettings(DEFAULT_BEHAVIOUR, "m", { "x-fake-ttft": "soon" })).toEqual({
      error: expect.stringContaining("header x-fake-ttft") as unknown,
    });
  });
});

describe("validateBehaviour", () => {
  it("rejects a behaviour out of range", () => {
    expect(() => {
      validateBehaviour({ ...DEFAULT_BEHAVIOUR, chunks: 0 });
    }).toThrow(RangeError);
    expect(() => {
      validateBehaviour({ ...DEFAULT_BEHAVIOUR, chunkDelayMs: 1.5 });
    }).toThrow(RangeError);
    expect(() => {
      validateBehaviour({ ...DEFAULT_BEHAVIOUR, reply: "sing" as "text" });
    }).toThrow(RangeError);
  });
});
