import { readFileSync } from "node:fs";
import { ErrorCode } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { errorCatalog } from "./errors.ts";

/** The rows of the README's error table: code -> "status visibility". */
function documentedErrors(): Map<string, string> {
  const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
  const rows = new Map<string, string>();
  for (const line of readme.split("\n")) {
    const match = /^\| `([a-z_.]+)` \| (\d{3}) \| (shown|logged only) \|/.exec(line);
    if (match?.[1]) rows.set(match[1], `${match[2] ?? ""} ${match[3] ?? ""}`);
  }
  return rows;
}

describe("the error catalog", () => {
  it("declares every ErrorCode", () => {
    for (const code of ErrorCode.options) expect(errorCatalog[code], code).toBeDefined();
  });

  it("is the README's error table: every code with its status and visibility", () => {
    const rows = documentedErrors();
    expect([...rows.keys()].sort()).toEqual(Object.keys(errorCatalog).sort());
    for (const [code, { status, expose }] of Object.entries(errorCatalog)) {
      expect(rows.get(code), code).toBe(`${status} ${expose ? "shown" : "logged only"}`);
    }
  });
});
