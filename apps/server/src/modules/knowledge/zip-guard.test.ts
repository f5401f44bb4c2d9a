import { describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import { docxWith, zipOf } from "./docx-test-support.ts";
import { assertSafeZip, DOCX_LIMITS, type ZipLimits } from "./zip-guard.ts";

const MiB = 1024 * 1024;

/** The message `assertSafeZip` refuses `bytes` with (it must refuse with `validation.failed`). */
async function refusal(bytes: Buffer, limits: ZipLimits = DOCX_LIMITS): Promise<string> {
  const error: unknown = await assertSafeZip(bytes, limits).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(error.code).toBe("validation.failed");
  return error.message;
}

/** Sets `value` in every header of `signature` at `offset` (both header kinds are patched). */
function patchHeaders(zip: Buffer, signature: number, offset: number, patch: (at: number) => void): Buffer {
  const copy = Buffer.from(zip);
  for (let i = 0; i <= copy.length - 4; i++)
    if (copy.readUInt32LE(i) === signature) patch.call(copy, i + offset);
  return copy;
}

describe("the zip guard", () => {
  it("accepts a genuine DOCX", async () => {
    await expect(assertSafeZip(await docxWith([{ heading: 1, text: "Hi" }]), DOCX_LIMITS)).resolves.toBe(
      undefined,
    );
  });

  it("stops a bomb by its ratio while inflating it, whatever the total allowed", async () => {
    const bomb = await zipOf({ "word/document.xml": 50 * MiB });
    expect(bomb.length).toBeLessThan(MiB / 10);
    expect(await refusal(bomb)).toMatch(/decompression bomb/);
  });

  it("stops an archive whose entries together unpack to more than the total allowed", async () => {
    const many = await zipOf({ a: Buffer.alloc(300 * 1024, 7), b: Buffer.alloc(300 * 1024, 8) });
    const limits = { maxEntries: 10, maxTotalBytes: 500 * 1024, maxRatio: 10_000 };
    expect(await refusal(many, limits)).toMatch(/decompression bomb/);
    await expect(assertSafeZip(many, { ...limits, maxTotalBytes: 700 * 1024 })).resolves.toBe(undefined);
  });

  it("refuses too many entries before inflating any", async () => {
    const entries = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}.xml`, "<x/>"]));
    expect(await refusal(await zipOf(entries), { ...DOCX_LIMITS, maxEntries: 10 })).toBe(
      "The DOCX holds 12 files; at most 10 are accepted",
    );
  });

  it("does not trust declared sizes: an entry that lies about its size is refused", async () => {
    const honest = await zipOf({ "word/document.xml": Buffer.alloc(20 * MiB) });
    // Declared uncompressed size 10 bytes, in the local header (offset 22) and the central one (24).
    const lying = patchHeaders(
      patchHeaders(honest, 0x04034b50, 22, function (this: Buffer, at) {
        this.writeUInt32LE(10, at);
      }),
      0x02014b50,
      24,
      function (this: Buffer, at) {
        this.writeUInt32LE(10, at);
      },
    );
    expect(await refusal(lying)).toMatch(/damaged|decompression bomb/);
  });

  it("refuses encrypted entries, password-protected Office files, and what is not a zip", async () => {
    const plain = await zipOf({ "word/document.xml": "<x/>" });
    // General purpose flag bit 0 (encrypted): local header offset 6, central header offset 8.
    const encrypted = patchHeaders(
      patchHeaders(plain, 0x04034b50, 6, function (this: Buffer, at) {
        this.writeUInt16LE(this.readUInt16LE(at) | 1, at);
      }),
      0x02014b50,
      8,
      function (this: Buffer, at) {
        this.writeUInt16LE(this.readUInt16LE(at) | 1, at);
      },
    );
    expect(await refusal(encrypted)).toBe("The DOCX is encrypted; upload a copy without a password");
    const ole = Buffer.concat([Buffer.from("d0cf11e0a1b11ae1", "hex"), Buffer.alloc(512)]);
    expect(await refusal(ole)).toBe("The DOCX is password-protected; upload a copy without a password");
    expect(await refusal(Buffer.from("just some text, no zip"))).toBe(
      "The file is not a DOCX (not a zip archive)",
    );
  });
});
