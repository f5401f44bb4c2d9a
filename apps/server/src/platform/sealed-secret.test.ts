import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openSecret, sealSecret, SealedSecretError } from "./sealed-secret.ts";

const key = randomBytes(32);

describe("sealed secrets", () => {
  it("open to the original text and never contain it", () => {
    const secret = "sk-live-0123456789abcdef";
    const sealed = sealSecret(secret, key, "provider:openai");
    expect(sealed).not.toContain(secret);
    expect(Buffer.from(sealed, "base64").toString("latin1")).not.toContain(secret);
    expect(openSecret(sealed, key, "provider:openai")).toBe(secret);
  });

  it("use a fresh IV each time, so equal secrets seal differently", () => {
    const a = sealSecret("same", key);
    const b = sealSecret("same", key);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, "base64").subarray(0, 12)).not.toEqual(Buffer.from(b, "base64").subarray(0, 12));
  });

  it("detect any altered byte of IV, tag or ciphertext", () => {
    const sealed = Buffer.from(sealSecret("sk-tamper-me", key), "base64");
    for (let i = 0; i < sealed.length; i++) {
      const altered = Buffer.from(sealed);
      altered[i] = (altered[i] ?? 0) ^ 0x01;
      expect(() => openSecret(altered.toString("base64"), key)).toThrow(SealedSecretError);
    }
  });

  it("do not open with another key or on another row", () => {
    const sealed = sealSecret("sk-x", key, "provider:a");
    expect(() => openSecret(sealed, randomBytes(32), "provider:a")).toThrow(SealedSecretError);
    expect(() => openSecret(sealed, key, "provider:b")).toThrow(SealedSecretError);
  });

  it("refuse truncated values and keys of the wrong size", () => {
    expect(() => openSecret("AAAA", key)).toThrow(SealedSecretError);
    expect(() => sealSecret("x", randomBytes(16))).toThrow(RangeError);
  });

  it("round-trip empty and non-ASCII secrets", () => {
    for (const s of ["", "clé-🔑-ключ"]) expect(openSecret(sealSecret(s, key), key)).toBe(s);
  });
});
