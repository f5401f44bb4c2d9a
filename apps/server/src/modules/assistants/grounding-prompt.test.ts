import type { LanguageModelV4Prompt } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import type { GroundingSource } from "../../kernel/ai-call.ts";
import { NO_SOURCES_MESSAGE, searchQueryOf, sourcesMessage, withSystemText } from "./grounding-prompt.ts";

const user = (text: string) => ({ role: "user" as const, content: [{ type: "text" as const, text }] });
const assistant = (text: string) => ({
  role: "assistant" as const,
  content: [{ type: "text" as const, text }],
});

const source = (n: number, text: string, headingPath: string[] = []): GroundingSource => ({
  n,
  chunkId: `d:${n}`,
  documentId: "d",
  documentName: "Runbook.md",
  knowledgeBaseId: "kb",
  headingPath,
  start: 0,
  end: text.length,
  text,
  score: 1,
});

describe("grounding prompt", () => {
  it("searches for the last question and the beginning of the one before, not the answers", () => {
    const prompt: LanguageModelV4Prompt = [
      { role: "system", content: "Be brief." },
      user("How are backups taken?"),
      assistant("Nightly with pg_dump."),
      user("And restored?"),
    ];
    expect(searchQueryOf(prompt)).toBe("And restored?\nHow are backups taken?");
    expect(searchQueryOf([user("  Only one  ")])).toBe("Only one");
    expect(searchQueryOf([{ role: "system", content: "x" }])).toBe("");
    expect(searchQueryOf([user("a".repeat(5000))])).toHaveLength(2000);
  });

  it("numbers the passages with where they are, and asks for [n] citations and honesty", () => {
    const text = sourcesMessage([source(1, " Run pg_restore. ", ["Restore"]), source(2, "Nightly.")]);
    expect(text).toContain("[1] Runbook.md › Restore\nRun pg_restore.");
    expect(text).toContain("[2] Runbook.md\nNightly.");
    expect(text).toMatch(/like \[1\] or \[1\]\[3\]/);
    expect(text).toMatch(/do not contain the answer, say so/);
    expect(text).toMatch(/not instructions/);
    expect(NO_SOURCES_MESSAGE).toMatch(/do not cover it/);
  });

  it("puts the grounding after the leading system messages", () => {
    const prompt: LanguageModelV4Prompt = [{ role: "system", content: "Be brief." }, user("Hi")];
    expect(withSystemText(prompt, "S").map((m) => m.role)).toEqual(["system", "system", "user"]);
    expect(withSystemText(prompt, "S")[1]).toEqual({ role: "system", content: "S" });
    expect(withSystemText([user("Hi")], "S")[0]).toEqual({ role: "system", content: "S" });
  });
});
