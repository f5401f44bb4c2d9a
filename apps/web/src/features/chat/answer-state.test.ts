import type { ChatEvent } from "@parley/contracts";
import { describe, expect, it } from "vitest";
import { applyEvent, type LiveAnswers } from "./answer-state.ts";

const delta = (index: number, text: string): ChatEvent => ({
  type: "message.delta",
  messageId: "m",
  index,
  text,
});
const run = (events: ChatEvent[], from: LiveAnswers = {}) => events.reduce(applyEvent, from);

describe("applyEvent", () => {
  it("appends deltas in index order", () => {
    const answers = run([
      { type: "message.started", messageId: "m", model: "x" },
      delta(0, "Hel"),
      delta(1, "lo"),
    ]);
    expect(answers.m).toEqual({ text: "Hello", next: 2, status: "streaming" });
  });

  it("ignores a delta it already has, so a resumed stream never duplicates text", () => {
    const answers = run([delta(0, "a"), delta(1, "b"), delta(1, "b"), delta(0, "a"), delta(2, "c")]);
    expect(answers.m?.text).toBe("abc");
  });

  it("waits for a missing delta instead of skipping ahead", () => {
    expect(run([delta(0, "a"), delta(2, "c")]).m?.text).toBe("a");
  });

  it("takes a snapshot's text, then resynchronises on the next delta", () => {
    const answers = run([
      delta(0, "a"),
      { type: "snapshot", messageId: "m", text: "abc", status: "streaming" },
      delta(5, "f"),
      delta(6, "g"),
      delta(6, "g"),
    ]);
    expect(answers.m).toEqual({ text: "abcfg", next: 7, status: "streaming" });
  });

  it("marks an answer done on completion, failure or cancel, keeping its text", () => {
    for (const end of [
      {
        type: "message.completed",
        messageId: "m",
        usage: { inputTokens: 1, outputTokens: 1 },
        finishReason: "stop",
      },
      { type: "message.failed", messageId: "m", error: { code: "upstream.error", message: "x" } },
      { type: "message.cancelled", messageId: "m" },
    ] satisfies ChatEvent[]) {
      expect(run([delta(0, "partial"), end]).m).toMatchObject({ text: "partial", status: "done" });
    }
  });

  it("leaves other answers untouched", () => {
    const before: LiveAnswers = { other: { text: "x", next: 1, status: "done" } };
    expect(run([delta(0, "a")], before).other).toBe(before.other);
  });

  it("keeps an answer's sources from message.sources through its deltas and a snapshot", () => {
    const source = {
      n: 1,
      knowledgeBaseId: "kb",
      documentId: "d",
      documentName: "Runbook.md",
      chunkId: "d:0",
      headingPath: ["Restore"],
      start: 0,
      end: 10,
      snippet: "pg_restore",
    };
    const answers = run([
      { type: "message.started", messageId: "m", model: "x" },
      { type: "message.sources", messageId: "m", sources: [source] },
      delta(0, "Use pg_restore [1]."),
    ]);
    expect(answers.m).toEqual({
      text: "Use pg_restore [1].",
      next: 1,
      status: "streaming",
      sources: [source],
    });
    const resynced = run([{ type: "snapshot", messageId: "m", text: "Use", status: "streaming" }], answers);
    expect(resynced.m?.sources).toEqual([source]);
  });
});

describe("an answer generated again", () => {
  it("drops the text shown so far and counts deltas from 0 again", () => {
    let answers: LiveAnswers = {};
    for (const [index, text] of ["Old ", "text"].entries())
      answers = applyEvent(answers, { type: "message.delta", messageId: "m", index, text });
    answers = applyEvent(answers, { type: "message.restarted", messageId: "m", reason: "lost" });
    expect(answers.m).toMatchObject({ text: "", next: 0, status: "streaming" });
    for (const [index, text] of ["New ", "answer"].entries())
      answers = applyEvent(answers, { type: "message.delta", messageId: "m", index, text });
    // A replayed delta of the first generation after the restart is not appended twice.
    answers = applyEvent(answers, { type: "message.delta", messageId: "m", index: 1, text: "text" });
    expect(answers.m?.text).toBe("New answer");
  });
});
