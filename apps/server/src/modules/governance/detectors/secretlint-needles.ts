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

/** Whether `text` may hold what a rule with `needles` reports: one test, no allocation. */
export type NeedleTest = (text: string) => boolean;

/** One expression for a rule's needles (an alternation of escaped literals; `i` for any case). */
export function needleTest(needles: RuleNeedles): NeedleTest {
  const source = (list: readonly string[] | undefined) =>
    (list ?? []).map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("|");
  const exact = needles.exact?.length ? new RegExp(source(needles.exact)) : null;
  const anyCase = needles.anyCase?.length ? new RegExp(source(needles.anyCase), "i") : null;
  return (text) => (exact !== null && exact.test(text)) || (anyCase !== null && anyCase.test(text));
}
