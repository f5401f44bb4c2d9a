import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type IForbiddenRuleType, type IReporterOutput } from "dependency-cruiser";
import { afterAll, describe, expect, it } from "vitest";

// The rules `npm run lint` checks (`depcruise … --config .dependency-cruiser.cjs`), applied to
// small source trees written here: each rule must catch what it is for and let the rest pass.
const require = createRequire(import.meta.url);
const config = require("../../../../.dependency-cruiser.cjs") as { forbidden: IForbiddenRuleType[] };

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Writes `files` (path → source) into a new folder and cruises it with the project's rules. */
async function violations(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), "parley-deps-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const result: IReporterOutput = await cruise([join(root, "src")], {
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    tsPreCompilationDeps: true,
  });
  if (typeof result.output === "string") throw new Error("expected a cruise result");
  return result.output.summary.violations.map((v) => v.rule.name).sort();
}

describe("the dependency rules", () => {
  it("refuse two folders that import each other, even through type-only imports", async () => {
    const found = await violations({
      "src/kernel/clock.ts":
        'import type { Row } from "../modules/row.ts";\nexport const now = (r?: Row) => 1;\n',
      "src/modules/row.ts":
        'import { now } from "../kernel/clock.ts";\nexport interface Row { at: number }\nexport const at = now();\n',
    });
    expect(found).toContain("no-folder-cycle");
  });

  it("refuse a runtime import cycle between files of one folder", async () => {
    const found = await violations({
      "src/chat/jobs.ts": 'import { lease } from "./context.ts";\nexport const jobs = () => lease;\n',
      "src/chat/context.ts":
        'import { jobs } from "./jobs.ts";\nexport const lease = 1;\nexport const run = jobs;\n',
    });
    expect(found).toContain("no-circular");
  });

  it("allow type-only imports both ways within a folder, and folders that import one way", async () => {
    const found = await violations({
      "src/chat/jobs.ts":
        'import type { Context } from "./context.ts";\nexport interface Deps { c: Context }\n',
      "src/chat/context.ts":
        'import type { Deps } from "./jobs.ts";\nimport { now } from "../kernel/clock.ts";\nexport interface Context { d?: Deps }\nexport const t = now;\n',
      "src/kernel/clock.ts": "export const now = () => 1;\n",
    });
    expect(found).toEqual([]);
  });
});
