import { describe, expect, it } from "vitest";
import { ACCEPTED_EXTENSIONS, formatBytes, isAccepted, typeLabel } from "./document-types.ts";

describe("document types and sizes", () => {
  it("accepts the contract's extensions in any case, and nothing else", () => {
    expect(ACCEPTED_EXTENSIONS).toEqual([
      ".txt",
      ".md",
      ".markdown",
      ".html",
      ".htm",
      ".csv",
      ".pdf",
      ".docx",
    ]);
    expect(isAccepted("Runbook.MD")).toBe(true);
    expect(isAccepted("manual.pdf")).toBe(true);
    expect(isAccepted("spec.docx")).toBe(true);
    expect(isAccepted("photo.png")).toBe(false);
    expect(isAccepted("README")).toBe(false);
    expect(isAccepted(".md")).toBe(false);
  });

  it("names types people know, and shows an unknown one as it is", () => {
    expect(typeLabel("application/pdf")).toBe("PDF");
    expect(typeLabel("application/x-new")).toBe("application/x-new");
  });

  it("writes sizes in bytes, KB and MB", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25 MB");
  });
});
