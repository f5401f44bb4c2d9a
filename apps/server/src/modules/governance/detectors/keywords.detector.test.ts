import { describe, expect, it } from "vitest";
import { keywordsDetector } from "./keywords.detector.ts";

async function found(words: string[], text: string): Promise<string[]> {
  return (await keywordsDetector(words).detect(text)).map((m) => text.slice(m.start, m.end));
}

describe("keywords detector", () => {
  it("matches whole words in any case, in any script", async () => {
    expect(await found(["geheim"], "GEHEIM, geheim. Geheimnis ungeheim")).toEqual(["GEHEIM", "geheim"]);
    expect(await found(["Ärger"], "kein ärger; ÄRGER!")).toEqual(["ärger", "ÄRGER"]);
    expect(await found(["секрет"], "Это СЕКРЕТ, не секретарь")).toEqual(["СЕКРЕТ"]);
    expect(await found(["café"], "cafés and café-au-lait and CAFÉ")).toEqual(["café", "CAFÉ"]);
  });

  it("treats regex characters in words literally", async () => {
    expect(await found(["c++", "a.b", "x-y"], "c++ axb a.b x-y xxy")).toEqual(["c++", "a.b", "x-y"]);
  });

  it("matches phrases across any whitespace and prefers the longest", async () => {
    expect(await found(["project", "Project Nova"], "About project\n nova and project x")).toEqual([
      "project\n nova",
      "project",
    ]);
  });

  it("does not match inside words joined by combining marks or digits", async () => {
    expect(await found(["test"], "test1 tést test_ test")).toEqual(["test"]);
  });

  it("finds nothing when no word is left after trimming", async () => {
    expect(await found([" ", ""], "any text at all")).toEqual([]);
  });
});
