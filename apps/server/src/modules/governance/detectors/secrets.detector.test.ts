import { describe, expect, it } from "vitest";
import { mayHoldSecret, secretsDetector } from "./secrets.detector.ts";

// Obviously fake values in the shapes secretlint's recommended preset flags. Built by
// concatenation so this file does not itself trip secret scanners.
// secretlint wants at least 100 base64 characters that start like DER ("MI").
const keyLines = [
  "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
  "FAKE".repeat(16),
  "FAKE".repeat(16),
];
const fakes: Record<string, string> = {
  "an AWS access key id": "AKIA" + "QYLPMN5HFIQRTXMA",
  "a GitHub personal access token": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
  "a Slack bot token": "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
  "a private key block": [
    "-----BEGIN RSA " + "PRIVATE KEY-----",
    ...keyLines,
    "-----END RSA " + "PRIVATE KEY-----",
  ].join("\n"),
};

describe("secrets detector", () => {
  const detector = secretsDetector();

  for (const [name, secret] of Object.entries(fakes)) {
    it(`finds ${name} wherever it stands in a text`, async () => {
      for (const [before, after] of [
        ["", ""],
        ["my key is ", " please keep it"],
        ["config:\n  token: '", "'\n"],
      ]) {
        const text = `${before}${secret}${after}`;
        const found = await detector.detect(text);
        expect(found).toHaveLength(1);
        const [m] = found;
        expect(m?.kind).toBe("secret");
        expect(text.slice(m?.start, m?.end)).toContain(secret.slice(0, 20));
      }
    });
  }

  it("covers the whole AWS secret access key, though secretlint reports the range from its label", async () => {
    const key = "kP7xQ2mN9vB4cR8tY1uI5oL3" + "aS6dF0gH2jK4lZ8x";
    const text = `AWS_SECRET_ACCESS_KEY = "${key}"\nnext line`;
    const [m, ...rest] = await detector.detect(text);
    expect(rest).toEqual([]);
    expect(text.slice(m?.start, m?.end)).toContain(key);
    expect(text.slice(m?.end)).toBe('"\nnext line');
  });

  it("finds several secrets in one text in order", async () => {
    const text = `a ${fakes["a Slack bot token"] ?? ""} b ${fakes["a GitHub personal access token"] ?? ""}`;
    const found = await detector.detect(text);
    expect(found.map((m) => text.slice(m.start, m.start + 4))).toEqual(["xoxb", "ghp_"]);
  });

  it("holds a private key block from its header until its footer is complete, however the footer is cut", async () => {
    const block = fakes["a private key block"] ?? "";
    const text = `key: ${block}`;
    for (let end = 5 + "-----BEGIN".length; end < text.length; end++) {
      const part = text.slice(0, end);
      // Anything released before the footer is complete would be released unchecked.
      expect(detector.holdFrom(part), JSON.stringify(part.slice(-20))).toBeLessThanOrEqual(5);
    }
    expect(await detector.detect(text)).toHaveLength(1);
  });

  it("declares a window long enough for a private key block", () => {
    expect(detector.maxMatchLength).toBeGreaterThanOrEqual(10_000);
  });

  it("skips a stream's part only where no secret of any shape here can overlap it", async () => {
    // Every fake the preset flags is found by a full scan, and the pre-check lets each one through.
    for (const [name, value] of Object.entries(fakes)) {
      const text = `Here it is: ${value} and more.`;
      const start = text.indexOf(value);
      expect(await detector.detect(text), name).not.toHaveLength(0);
      expect(mayHoldSecret(text, start, start + 1), name).toBe(true);
      expect(mayHoldSecret(text, start + value.length - 1, start + value.length), name).toBe(true);
    }
    const prose = "The release went out on Monday, and the notes are in the wiki.";
    expect(mayHoldSecret(prose, 0, prose.length)).toBe(false);
    // A long token only in the released context does not make the new part suspect.
    const text = `see https://example.org/a/very/long/path then nothing else`;
    expect(mayHoldSecret(text, text.indexOf("then"), text.length)).toBe(false);
    expect(mayHoldSecret(text, 0, 10)).toBe(true);
  });
});
