import { describe, expect, it } from "vitest";
import { errorCatalog } from "../app/errors.ts";
import { AppError } from "../kernel/app-error.ts";
import { presentError } from "./error-status.ts";

describe("presentError's log level", () => {
  const level = (error: unknown) => presentError(error, "req-1", errorCatalog).logLevel;

  it("logs a bug loudly and an expected outage quietly", () => {
    // Not ours to expect: a bug, with its stack.
    expect(level(new TypeError("undefined is not a function"))).toBe("error");
    expect(level(new AppError("server.internal", "boom"))).toBe("error");
    // Operational: a breaker open, a provider down, a timeout — warnings without stacks.
    expect(level(new AppError("provider.unavailable", "circuit open"))).toBe("warn");
    expect(level(new AppError("upstream.timeout", "no first token"))).toBe("warn");
    // The client's mistakes.
    expect(level(new AppError("guide.not_found", "No guide"))).toBe("info");
    expect(level(new AppError("validation.failed", "bad"))).toBe("info");
  });
});
