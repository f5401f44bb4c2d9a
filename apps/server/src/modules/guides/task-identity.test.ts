import { describe, expect, it } from "vitest";
import { carryIds } from "./task-identity.ts";

const known = (...texts: string[]) => texts.map((text, i) => ({ id: `t${i}`, text }));

describe("carryIds", () => {
  it("keeps the ids of unchanged tasks when tasks are added and removed around them", () => {
    const before = known("Design the schema", "Write the migration", "Add the endpoint", "Deploy");
    expect(
      carryIds(before, ["Talk to the team", "Design the schema", "Add the endpoint", "Write docs", "Deploy"]),
    ).toEqual([null, "t0", "t2", null, "t3"]);
  });

  it("keeps the id of a task that moved or whose wording changed, not of a different task", () => {
    const before = known("Write unit tests for the parser", "Deploy to staging", "Update the changelog");
    expect(
      carryIds(before, ["Deploy to staging", "Write more unit tests for the parser", "Celebrate with cake"]),
    ).toEqual(["t1", "t0", null]);
  });

  it("pairs duplicate texts in order and uses each id once", () => {
    const before = known("Write tests", "Review", "Write tests");
    expect(carryIds(before, ["Write tests", "Write tests", "Write tests"])).toEqual(["t0", "t2", null]);
    expect(carryIds(before, [])).toEqual([]);
    expect(carryIds([], ["a"])).toEqual([null]);
  });

  it("ignores case and spacing changes", () => {
    expect(carryIds(known("Add  the Endpoint"), ["add the endpoint"])).toEqual(["t0"]);
  });
});
