import { APICallError } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { classifyUpstreamError } from "./upstream-errors.ts";

const callError = (statusCode: number | undefined) =>
  new APICallError({
    message: "upstream said no",
    url: "http://upstream/v1",
    requestBodyValues: {},
    statusCode,
  });

describe("classifyUpstreamError", () => {
  it("names an unreachable provider (no status) and retries it", () => {
    const { retryable, error } = classifyUpstreamError(callError(undefined), "local");
    expect([retryable, error.code, error.message]).toEqual([
      true,
      "upstream.error",
      "Could not reach provider local",
    ]);
  });
  it("calls a 200 whose body broke off an incomplete answer, not a rejection", () => {
    const { retryable, error } = classifyUpstreamError(callError(200), "local");
    expect([retryable, error.code]).toEqual([true, "upstream.incomplete"]);
  });
  it("retries 5xx and 429, and never a 4xx", () => {
    expect(classifyUpstreamError(callError(503), "p").error.message).toBe("Provider p failed (503)");
    expect(classifyUpstreamError(callError(429), "p").error.code).toBe("upstream.rate_limited");
    const rejected = classifyUpstreamError(callError(400), "p");
    expect([rejected.retryable, rejected.error.code]).toEqual([false, "upstream.error"]);
  });
});
