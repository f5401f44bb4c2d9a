import { rules as presetRules } from "@secretlint/secretlint-rule-preset-recommend";
import { describe, expect, it } from "vitest";
import { PAYLOADS } from "../../../../test/governance/conformance-cases.ts";
import { AWS_ID, AWS_SECRET, BY_RULE } from "../../../../test/governance/secretlint-samples.ts";
import { NEEDLES_PRESET_VERSION, RULE_NEEDLES } from "./secretlint-needles.ts";
import { installedPresetVersion, secretlintRanges, slowRanges } from "./secretlint-runner.ts";

// Obviously fake values in shapes secretlint's recommended preset flags, assembled so that no
// scanner of this repository mistakes the test for a leak.
const SHAPES = [
  ...PAYLOADS.map((p) => p.value),
  `AWS_SECRET_ACCESS_KEY = "${AWS_SECRET}"`,
  `aws_account_id: 1234-5678-9012`,
  ["https://ann:", "s3cr3tPassw0rd", "@db.example.org/x"].join(""),
  ["ftp://a:", "b@c.de"].join(""),
  `${AWS_ID}@example.org`,
  ["sk-", "proj-", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4"].join(""),
  ["SG.", "ngeVfQFYQlKU0ufo8x5d1A", ".", "TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr"].join(""),
  ["shpat_", "fcb2f36e6ba7b8a5a7b8c9d0e1f2a3b4"].join(""),
  ["github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"].join(""),
  ["https://hooks.slack.com/services/", "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"].join(""),
  ["//registry.npmjs.org/:_authToken=", "npm_Zq8rT2vX9wL4mN6bC1dF3gH5jK7pS0aE1yU2"].join(""),
  ["lin_api_", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"].join(""),
  ["sk-ant-api03-", "A".repeat(93), "AA"].join(""),
];

const FRAMES: readonly [string, string][] = [
  ["", ""],
  ["my key is ", " please keep it"],
  ["config:\n  token: '", "'\n"],
  ["\uFEFF", "\n"],
  ["```\n", "\n```"],
  ["Summarise the release notes and mail them to ann.lee@example.org. ", " Say something long."],
];

const ordinary = [
  "Summarise the release notes and mail them to ann.lee@example.org. Say something long.",
  "The release went out on Monday, and the notes are in the wiki.",
  'const id = "550e8400-e29b-41d4-a716-446655440000"; // https://example.org/a/very/long/path',
  "",
  "\uFEFF",
];

describe("secretlint runner", () => {
  it("reports exactly what secretlint's own lintSource reports, for secrets in any frame and ordinary text", async () => {
    const texts = [
      ...ordinary,
      ...SHAPES.flatMap((shape) => FRAMES.map(([before, after]) => `${before}${shape}${after}`)),
      SHAPES.join("\n"),
      SHAPES.join(" and "),
    ];
    let found = 0;
    for (const text of texts) {
      const fast = await secretlintRanges(text);
      const slow = await slowRanges(text);
      const sorted = (ranges: (readonly [number, number])[]) => ranges.map((r) => `${r[0]}-${r[1]}`).sort();
      expect(sorted(fast), JSON.stringify(text.slice(0, 80))).toEqual(sorted(slow));
      found += fast.length;
    }
    // The corpus does exercise the rules (not two empty answers throughout).
    expect(found).toBeGreaterThan(SHAPES.length);
  });

  it("runs each rule only on text holding one of its needles, and still reports what the rule reports", async () => {
    // The table was read off the installed rules: an upgrade of the preset must re-read it (until
    // then the runner skips no rule at all).
    expect(installedPresetVersion()).toBe(NEEDLES_PRESET_VERSION);
    const ids = (presetRules as { meta: { id: string } }[]).map((r) => r.meta.id);
    const alwaysRun = ["@secretlint/secretlint-rule-gcp", "@secretlint/secretlint-rule-filter-comments"];
    expect(ids.filter((id) => !alwaysRun.includes(id)).sort()).toEqual(Object.keys(RULE_NEEDLES).sort());
    expect(Object.keys(BY_RULE).sort()).toEqual(Object.keys(RULE_NEEDLES).sort());
    for (const [rule, samples] of Object.entries(BY_RULE)) {
      expect(samples.length, rule).toBeGreaterThan(0);
      for (const sample of samples)
        for (const [before, after] of FRAMES) {
          const text = `${before}${sample}${after}`;
          const slow = await slowRanges(text);
          expect(slow.length, `${rule} reports ${JSON.stringify(sample.slice(0, 40))}`).toBeGreaterThan(0);
          expect(await secretlintRanges(text), `${rule}: ${JSON.stringify(text.slice(0, 60))}`).toEqual(slow);
        }
    }
  });

  it("does not let a secretlint comment in the text switch the check off, on either path", async () => {
    const texts = [
      `token ${AWS_ID} // secretlint-disable-line\nnext ${AWS_ID}`,
      `# secretlint-disable\nkey ${AWS_ID}\n# secretlint-enable`,
      `<!-- secretlint-disable-next-line -->\n${AWS_ID}`,
      `/* secretlint-disable @secretlint/secretlint-rule-aws */ ${AWS_ID}`,
    ];
    for (const text of texts) {
      expect(await secretlintRanges(text), text).toHaveLength(text.split(AWS_ID).length - 1);
      expect(await slowRanges(text), text).toHaveLength(text.split(AWS_ID).length - 1);
    }
  });
});
