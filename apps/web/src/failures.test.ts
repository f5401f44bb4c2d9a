import { describe, expect, it } from "vitest";
import { ApiError } from "./api.ts";
import { describeFailure, errorText, isFailureCode } from "./failures.ts";

describe("describeFailure", () => {
  it("says what to do for a code a person can act on", () => {
    expect(describeFailure("upstream.timeout", "Provider p did not answer in time")).toEqual({
      title: "The model took too long",
      hint: "No answer arrived in time. Retry, or pick a faster model.",
    });
    expect(describeFailure("worker.lost", "The server restarted").title).toBe("The answer was interrupted");
    expect(describeFailure("conversation.not_found", "No conversation c_1").title).toBe(
      "This conversation is gone",
    );
  });

  it("shows the server's message for a code with nothing better to say, and for an unknown one", () => {
    expect(describeFailure("resource.conflict", "Another answer is streaming")).toEqual({
      title: "The answer failed",
      hint: "Another answer is streaming",
    });
    expect(isFailureCode("future.code")).toBe(false);
    expect(describeFailure("future.code", "Something new")).toEqual({
      title: "The answer failed",
      hint: "Something new",
    });
  });

  it("words an API error as one sentence", () => {
    expect(errorText(new ApiError(429, "rate_limit.exceeded", "Too many requests"))).toBe(
      "Slow down: Too many requests. Wait a moment, then try again.",
    );
  });
});
