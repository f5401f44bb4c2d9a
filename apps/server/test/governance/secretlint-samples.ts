/**
 * Obviously fake values in the shapes secretlint's recommended preset flags, one list per rule,
 * shared by the runner's tests (secretlint-runner.test.ts) and the needle table's property test
 * (secretlint-needles.test.ts). Assembled, so that no scanner of this repository mistakes them
 * for a leak.
 */
import { PAYLOADS } from "./conformance-cases.ts";

/** An AWS access key id (reported with the rule's ID scan on). */
export const AWS_ID = ["AKIA", "QYLPMN5HFIQRTXMA"].join("");
/** An AWS secret access key's value. */
export const AWS_SECRET = ["kP7xQ2mN9vB4cR8tY1uI5oL3", "aS6dF0gH2jK4lZ8x"].join("");
/** A 1Password service account token's shape: `ops_` and a base64 JSON object ending in `fQ`. */
function opsToken(): string {
  let json = JSON.stringify({ signInAddress: "example.1password.com", secret: "x".repeat(90) });
  while (json.length % 3 !== 1) json = json.replace("x", "xx");
  return ["ops", "_", Buffer.from(json).toString("base64")].join("");
}

/** `prefix` and `body` as one value (kept apart in the source, see above). */
const each = (prefixes: readonly string[], body: string) => prefixes.map((prefix) => [prefix, body].join(""));

/**
 * Texts each rule of the preset reports (in the rule's own terms): one at least for every
 * alternative of the rule's expressions (so every needle is exercised), in the case variants its
 * expressions accept. Each rule's needles must let each of them through.
 */
export const BY_RULE: Readonly<Record<string, readonly string[]>> = {
  "@secretlint/secretlint-rule-aws": [
    AWS_ID,
    ...each(["A3TX", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ASIA"], "QYLPMN5HFIQRTXMA"),
    `AWS_SECRET_ACCESS_KEY = "${AWS_SECRET}"`,
    `Secret_Access_Key: ${AWS_SECRET}`,
    `aws_secret_access_key => '${AWS_SECRET}'`,
    "aws_account_id: 1234-5678-9012",
    "ACCOUNT_ID = 123456789012",
  ],
  // Its `_authToken=` and `x-oauth-basic` checks look at .npmrc and package.json files only.
  "@secretlint/secretlint-rule-npm": [["npm_", "Zq8rT2vX9wL4mN6bC1dF3gH5jK7pS0aE1yU2"].join("")],
  "@secretlint/secretlint-rule-slack": [
    ...each(
      ["xoxb-", "xoxp-", "xapp-", "xoxa-", "xoxo-", "xoxr-"],
      "1-123456789012-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    ["https://hooks.slack.com/services/", "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"].join(""),
    ["HTTPS://HOOKS.SLACK.COM/SERVICES/", "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"].join(""),
  ],
  "@secretlint/secretlint-rule-basicauth": [
    ["https://ann:", "s3cr3tPassw0rd", "@db.example.org/x"].join(""),
    ["ftp://deploy:", "Xk29fPq7Lm@files.example.net"].join(""),
    ["http://ann:", "s3cr3tPassw0rd", "@intranet.example.org"].join(""),
    ["ftps://deploy:", "Xk29fPq7Lm@files.example.net"].join(""),
  ],
  "@secretlint/secretlint-rule-openai": [
    ["sk-", "A1b2C3d4E5f6G7h8I9j0", "T3BlbkFJ", "K1l2M3n4O5p6Q7r8S9t0"].join(""),
    ...each(
      ["sk-proj-", "sk-svcacct-", "sk-admin-"],
      ["aB3dE6gH9j".repeat(7), "a_-b", "T3BlbkFJ", "aB3dE6gH9j".repeat(7), "a_-b"].join(""),
    ),
    ["sk-admin-", "aB3dE6gH9j".repeat(5), "a_-b-_-b", "T3BlbkFJ", "aB3dE6gH9j".repeat(5), "a_-b-_-b"].join(
      "",
    ),
  ],
  "@secretlint/secretlint-rule-anthropic": each(
    ["sk-ant-api03-", "sk-ant-api04-"],
    ["A".repeat(93), "AA"].join(""),
  ),
  "@secretlint/secretlint-rule-groq": [["gsk_", "a1B2".repeat(13)].join("")],
  "@secretlint/secretlint-rule-huggingface": [["hf_", "aBcD".repeat(8), "eF"].join("")],
  "@secretlint/secretlint-rule-linear": [["lin_api_", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"].join("")],
  "@secretlint/secretlint-rule-notion": [["ntn_", "12345678901", "aB3".repeat(11), "xy"].join("")],
  "@secretlint/secretlint-rule-privatekey": PAYLOADS.filter((p) => p.name === "PEM private key").map(
    (p) => p.value,
  ),
  "@secretlint/secretlint-rule-sendgrid": [
    ["SG.", "ngeVfQFYQlKU0ufo8x5d1A", ".", "TwL2iGABf9DHoTf09kqeF8tAmbihYzrnopKc1s5crXy"].join(""),
  ],
  "@secretlint/secretlint-rule-shopify": each(
    ["shpat_", "shppa_", "shpca_", "shpss_"],
    "fcb2f36e6ba7b8a5a7b8c9d0e1f2a3b4",
  ),
  "@secretlint/secretlint-rule-stripe": each(
    ["sk_test_", "sk_live_", "rk_test_", "rk_live_"],
    "4eC39HqLyjWDarjtT1zdp7dc",
  ),
  "@secretlint/secretlint-rule-github": [
    ...PAYLOADS.filter((p) => p.name === "GitHub token").map((p) => p.value),
    ...each(["gho_", "ghu_", "ghs_", "ghr_"], "aB3dE6gH9jK2mN5pQ8sTuV1wX4yZ7aB3dE6g"),
    ["github_pat_", "11ABCDEFG0123456789_", "aB3dE6gH9j".repeat(6), "xy"].join(""),
    ["ghs_", "123456_", "eyJhbGciOiJSUzI1NiJ9", ".", "eyJpc3MiOiIxMjM0NTYifQ", ".", "aB3dE6gH9j-_"].join(""),
  ],
  "@secretlint/secretlint-rule-gitlab": [["glpat-", "aB3dE6gH9jK2mN5pQ8sT"].join("")],
  "@secretlint/secretlint-rule-grafana": [
    ["glc_", "eyJvIjoiMTIzNDU2IiwibiI6InN0YWNrLTEyMzQ1Ni1obS1yZWFkIn0="].join(""),
    ["glsa_", "aB3dE6gH9jK2mN5pQ8sTaB3dE6gH9jK2", "_", "0a1b2c3d"].join(""),
  ],
  "@secretlint/secretlint-rule-1password": [opsToken()],
  "@secretlint/secretlint-rule-database-connection-string": [
    ["mongodb+srv://", "admin:Xk29fPq7Lm", "@cluster0.example.net/prod"].join(""),
    ["MySQL://", "app:Xk29fPq7Lm", "@db.internal:3306/shop"].join(""),
    ["postgresql://", "app:Xk29fPq7Lm", "@db.internal:5432/parley"].join(""),
    ["mongodb://", "app:Xk29fPq7Lm", "@db.internal:27017"].join(""),
    ["jdbc:mysql://", "app:Xk29fPq7Lm", "@db.internal/shop"].join(""),
    ["mysqlx://", "app:Xk29fPq7Lm", "@db.internal/shop"].join(""),
    ["Postgres://", "app:Xk29fPq7Lm", "@db.internal/parley"].join(""),
  ],
  "@secretlint/secretlint-rule-hashicorp-vault": [
    ...each(["hvs.", "hvr."], "aB3dE6gH9j".repeat(10)),
    ["hvb.", "aB3dE6gH9j".repeat(15)].join(""),
  ],
  "@secretlint/secretlint-rule-vercel": each(
    ["vcp_", "vci_", "vca_", "vcr_", "vck_"],
    "aB3dE6gH9jK2mN5pQ8sT",
  ),
  "@secretlint/secretlint-rule-databricks": each(["dapi"], "0123456789abcdef0123456789ABCDEF-1"),
  "@secretlint/secretlint-rule-docker": [["dckr_pat_", "aB3dE6gH9jK2mN5pQ8sTuV1wX4y"].join("")],
  "@secretlint/secretlint-rule-figma": [["figd_", "aB3dE6gH9jK2mN5pQ8sT".repeat(2)].join("")],
  "@secretlint/secretlint-rule-cloudflare": each(
    ["cfut_", "cfk_", "cfat_"],
    ["aB3dE6gH9jK2mN5pQ8sT".repeat(2), "0a1b2c3d"].join(""),
  ),
  "@secretlint/secretlint-rule-tailscale": [
    ["tskey-", "auth-", "kAbCdEf1CNTRL", "-aB3dE6gH9jK2mN5pQ8sT"].join(""),
  ],
};
