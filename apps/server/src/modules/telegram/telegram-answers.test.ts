import { describe, expect, it } from "vitest";
import { commandOf } from "./telegram-answers.ts";

describe("Telegram commands", () => {
  it("reads the bot's commands, addressed to it or to nobody in particular", () => {
    expect(commandOf("/start", "parley_bot")).toBe("start");
    expect(commandOf("/new@Parley_Bot", "parley_bot")).toBe("new");
    expect(commandOf("/help please", "parley_bot")).toBe("help");
    expect(commandOf("/settings", "parley_bot")).toBe("other");
  });

  it("leaves other bots' commands and plain text alone", () => {
    expect(commandOf("/start@other_bot", "parley_bot")).toBe("foreign");
    expect(commandOf("hello /start", "parley_bot")).toBeNull();
    expect(commandOf("/", "parley_bot")).toBeNull();
  });
});
