import { ErrorCode } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { defineErrors, mergeErrors, type ErrorSpec, type ErrorTable } from "./define-errors.ts";

const notFound: ErrorSpec = { status: 404, expose: true };

/** A table declaring every code but one, as if a module had not declared its part yet. */
function allBut<L extends ErrorCode>(left: L): ErrorTable<Exclude<ErrorCode, L>> {
  const entries = ErrorCode.options.filter((code) => code !== left).map((code) => [code, notFound]);
  return Object.fromEntries(entries) as ErrorTable<Exclude<ErrorCode, L>>;
}

describe("defineErrors and mergeErrors", () => {
  it("merges the parts into one catalog keeping each code's spec", () => {
    const chat = defineErrors({ "model.not_found": { status: 404, expose: true } });
    const hidden = defineErrors({ "server.internal": { status: 500, expose: false, message: "Oops" } });
    const rest = Object.fromEntries(
      ErrorCode.options
        .filter((code) => code !== "model.not_found" && code !== "server.internal")
        .map((code) => [code, notFound]),
    ) as ErrorTable<Exclude<ErrorCode, "model.not_found" | "server.internal">>;
    const catalog = mergeErrors([chat, hidden, rest]);
    expect(catalog["model.not_found"]).toEqual({ status: 404, expose: true });
    expect(catalog["server.internal"]).toEqual({ status: 500, expose: false, message: "Oops" });
    expect(Object.keys(catalog).sort()).toEqual([...ErrorCode.options].sort());
  });

  it("does not compile when a code is left undeclared", () => {
    // @ts-expect-error -- `model.not_found` is missing.
    expect(Object.keys(mergeErrors([allBut("model.not_found")]))).not.toContain("model.not_found");
  });

  it("does not compile, and throws, when a code is declared twice", () => {
    const twice = defineErrors({ "route.not_found": notFound });
    // @ts-expect-error -- `route.not_found` is duplicated.
    expect(() => mergeErrors([allBut("route.not_found"), twice, twice])).toThrow(
      "Error code route.not_found is declared twice",
    );
  });

  it("does not compile a code that is not an ErrorCode", () => {
    // @ts-expect-error -- not a code of packages/contracts.
    expect(defineErrors({ "chat.nope": notFound })).toEqual({ "chat.nope": notFound });
  });
});
