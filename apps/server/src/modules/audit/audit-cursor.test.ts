import { describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import { decodeCursor, encodeCursor } from "./audit-cursor.ts";

describe("audit cursors", () => {
  it("round-trip a seq through an opaque URL-safe string", () => {
    for (const seq of [1, 42, Number.MAX_SAFE_INTEGER]) {
      const cursor = encodeCursor(seq);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toBe(seq);
    }
  });

  it("refuse anything this API did not hand out", () => {
    const forged = [
      "",
      "42",
      encodeCursor(42).toUpperCase(),
      Buffer.from("v1:0").toString("base64url"),
      Buffer.from("v1:042").toString("base64url"),
      Buffer.from("v1:99999999999999999").toString("base64url"),
      `${encodeCursor(42)}=`,
    ];
    for (const cursor of forged) {
      let error: unknown;
      try {
        decodeCursor(cursor);
      } catch (e) {
        error = e;
      }
      expect(error, cursor).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("audit.cursor_invalid");
    }
  });
});
