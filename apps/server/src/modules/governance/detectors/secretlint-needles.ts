/**
 * The literal text without which a rule of secretlint's recommended preset cannot report, read off
 * the rules' own patterns in the version below: a rule runs only on a text holding one of its
 * needles. Every rule's regular expressions start from (or require) a fixed prefix (`ghp_`,
 * `AKIA`, `-----BEGIN`, `://`, …), so most texts need two or three of the ~27 rules at most.
 *
 * Measured reason (bench/README.md, issue 15): the preset's rules cost ~22 µs a call on a short
 * prompt in a tight loop and ~70 µs in the serving process, whatever the text says, because each
 * rule builds and runs its expressions; that cost, paid by every governed call that may hold a
 * secret, is what a burst of 50 calls queues behind.
 *
 * Safety: a rule not listed here always runs, and so does every rule when the installed preset is
 * not {@link NEEDLES_PRESET_VERSION} (a test fails then, asking for the table to be read again).
 * Needles are a superset: `anyCase` ones match in any case even where the rule wants one spelling.
 */
export const NEEDLES_PRESET_VERSION = "13.1.0";

export interface RuleNeedles {
  /** Needles matched as written. */
  readonly exact?: readonly string[];
  /** Needles matched in any (ASCII) case, for rules with `/i` or spelled-out case variants. */
  readonly anyCase?: readonly string[];
}

/**
 * Rule id → needles. The GCP rule is left out (it runs always: it parses the whole text as JSON,
 * whose escapes could spell a needle otherwise; it costs next to nothing on text that is not JSON).
 */
export const RULE_NEEDLES: Readonly<Record<string, RuleNeedles>> = {
  "@secretlint/secretlint-rule-aws": {
    exact: ["A3T", "AKIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ASIA"],
    anyCase: ["secret", "account"],
  },
  "@secretlint/secretlint-rule-npm": { exact: ["x-oauth-basic@github.com", "_authToken=", "npm_"] },
  "@secretlint/secretlint-rule-slack": {
    exact: ["xoxb-", "xoxp-", "xapp-", "xoxa-", "xoxo-", "xoxr-"],
    anyCase: ["hooks.slack.com"],
  },
  "@secretlint/secretlint-rule-basicauth": { exact: ["://"] },
  "@secretlint/secretlint-rule-openai": { exact: ["T3BlbkFJ"] },
  "@secretlint/secretlint-rule-anthropic": { exact: ["sk-ant-api0"] },
  "@secretlint/secretlint-rule-groq": { exact: ["gsk_"] },
  "@secretlint/secretlint-rule-huggingface": { exact: ["hf_"] },
  "@secretlint/secretlint-rule-linear": { exact: ["lin_api_"] },
  "@secretlint/secretlint-rule-notion": { exact: ["ntn_"] },
  "@secretlint/secretlint-rule-privatekey": { exact: ["-----BEGIN"] },
  "@secretlint/secretlint-rule-sendgrid": { exact: ["SG."] },
  "@secretlint/secretlint-rule-shopify": { exact: ["shppa_", "shpca_", "shpat_", "shpss_"] },
  "@secretlint/secretlint-rule-stripe": { exact: ["sk_live_", "sk_test_", "rk_live_", "rk_test_"] },
  "@secretlint/secretlint-rule-github": { exact: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"] },
  "@secretlint/secretlint-rule-gitlab": { exact: ["glpat-"] },
  "@secretlint/secretlint-rule-grafana": { exact: ["glc_", "glsa_"] },
  "@secretlint/secretlint-rule-1password": { exact: ["ops_ey"] },
  "@secretlint/secretlint-rule-database-connection-string": { anyCase: ["mongodb", "mysql", "postgres"] },
  "@secretlint/secretlint-rule-hashicorp-vault": { exact: ["hvs.", "hvb.", "hvr."] },
  "@secretlint/secretlint-rule-vercel": { exact: ["vcp_", "vci_", "vca_", "vcr_", "vck_"] },
  "@secretlint/secretlint-rule-databricks": { exact: ["dapi"] },
  "@secretlint/secretlint-rule-docker": { exact: ["dckr_pat_"] },
  "@secretlint/secretlint-rule-figma": { exact: ["figd_"] },
  "@secretlint/secretlint-rule-cloudflare": { exact: ["cfk_", "cfut_", "cfat_"] },
  "@secretlint/secretlint-rule-tailscale": { exact: ["tskey-"] },
};

/**
 * Which rules a text may make report: `flags[i]` is 1 when `text` holds a needle of the i-th
 * rule, or when that rule has no needle list (then it always runs).
 */
export type NeedleScan = (text: string) => Uint8Array;

/** A needle with the rule it is for. */
interface Needle {
  readonly text: string;
  readonly rule: number;
}

/**
 * Which rules a text may make report: one scan of the text for all rules' exact needles and one
 * for their any-case needles, where a test per rule read the whole text once a rule (about 25
 * times). Measured (quickest of 21 rounds, two runs on a shared 2-core machine, Node 24): 1.5–1.7
 * → 0.5–0.9 µs on the bench prompt, 21 → 12 µs on 2 KB of prose, 456–608 → 248–381 µs on 50 KB.
 * One scan with `(?i:…)` groups for the any-case needles was slower than these two.
 *
 * Every start position is tried (after a match a scan goes on one character after its start, so
 * needles that overlap are all seen). Where several needles start at one position, a scan names
 * the longest (they are tried longest first): the others are prefixes of it, and count as found
 * too. The any-case scan is case-insensitive in ASCII only, like the preset's `/i` expressions
 * (none has `/u`, under which `ſ` would match `s` and the Kelvin sign `k`): needles must be
 * printable ASCII.
 *
 * @param lists the i-th rule's needles, or null for a rule without (it always runs)
 * @example
 * needleScan([{ exact: ["ghp_"] }, { anyCase: ["mysql"] }, null])("MySQL://…"); // [0, 1, 1]
 */
export function needleScan(lists: readonly (RuleNeedles | null)[]): NeedleScan {
  const needles = (key: "exact" | "anyCase") =>
    lists.flatMap((list, rule) => (list?.[key] ?? []).map((text) => ({ text, rule })));
  const scans = [scanFor(needles("exact"), "g"), scanFor(needles("anyCase"), "gi")].filter((s) => s !== null);
  const always = Uint8Array.from(lists, (list) => (list === null ? 1 : 0));
  return (text) => {
    const flags = always.slice();
    for (const scan of scans) scan(text, flags);
    return flags;
  };
}

/** One scan for `needles` (null when there are none), setting the flag of each found needle's rule. */
function scanFor(
  needles: readonly Needle[],
  flags: "g" | "gi",
): ((text: string, into: Uint8Array) => void) | null {
  if (needles.length === 0) return null;
  for (const needle of needles)
    if (!/^[\x20-\x7e]+$/.test(needle.text)) throw new Error(`needle not printable ASCII: ${needle.text}`);
  const fold = flags === "gi" ? (s: string) => s.toLowerCase() : (s: string) => s;
  const sorted = [...needles].sort((a, b) => b.text.length - a.text.length);
  // The rules of the needles found where one (folded) was found first: it and its prefixes.
  const atStart = new Map<string, readonly number[]>();
  for (const found of sorted) {
    const key = fold(found.text);
    if (!atStart.has(key))
      atStart.set(
        key,
        sorted.filter((n) => key.startsWith(fold(n.text))).map((n) => n.rule),
      );
  }
  const source = sorted.map((n) => n.text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("|");
  const scan = new RegExp(source, flags);
  return (text, into) => {
    scan.lastIndex = 0;
    for (let match = scan.exec(text); match !== null; match = scan.exec(text)) {
      for (const rule of atStart.get(fold(match[0])) ?? []) into[rule] = 1;
      scan.lastIndex = match.index + 1;
    }
  };
}
