import pino from "pino";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AppError } from "../../kernel/app-error.ts";
import type { Principal } from "../../kernel/principal.ts";
import type { CatalogModel } from "../providers/model-catalog.ts";
import { createAiMetrics } from "./ai.metrics.ts";
import {
  MAX_HELD_CHARS,
  type PipelineStage,
  type StageCall,
  type StageContext,
  type TextFilter,
} from "../../kernel/ai-stage.ts";
import { StageRunner, type OpenSettlement } from "./stage-runner.ts";
import { sentenceFilter } from "../../../test/ai/test-stages.ts";

const silent = pino({ level: "silent" });
const model = {
  id: "fake/fake-model",
  providerId: "fake",
  contextWindow: null,
  price: null,
} as unknown as CatalogModel;
const ctx: StageContext = {
  request: { requestId: "r1", ip: null, userAgent: null, principal: null },
  principal: { userId: "u1" } as unknown as Principal,
  surface: "gateway",
  operation: "chat",
  teamId: null,
  assistantId: null,
  projectId: null,
  requested: model,
};
const call: StageCall = {
  operation: "chat",
  surface: "gateway",
  model: "fake/fake-model",
  prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }],
  options: {},
};
const settlement = (trace: string[]): OpenSettlement => ({
  outcome: "success",
  errorCode: null,
  refusedBy: null,
  usage: { inputTokens: 1, outputTokens: 1 },
  model,
  fallbackFrom: null,
  cost: 0,
  costMicros: 0,
  ttftMs: 1,
  durationMs: 2,
  attempts: 1,
  trace,
  stageErrors: [],
  annotations: {},
});

/** A stage that writes its hooks to `log`. */
function recorder(name: string, log: string[], extra: Partial<PipelineStage> = {}): PipelineStage {
  return {
    name,
    before: () => {
      log.push(`before:${name}`);
      return undefined;
    },
    after: () => {
      log.push(`after:${name}`);
    },
    ...extra,
  };
}

describe("stage runner", () => {
  it("runs before hooks in list order and after hooks in reverse, tracing each", async () => {
    const log: string[] = [];
    const runner = new StageRunner([recorder("a", log), recorder("b", log), { name: "c" }], silent);
    const trace = ["authorize"];
    const entry = await runner.before(call, ctx, trace, []);
    expect(entry.refusal).toBeNull();
    expect(entry.entered).toBe(3);
    await runner.after(settlement(trace), ctx, entry.entered);
    expect(log).toEqual(["before:a", "before:b", "after:b", "after:a"]);
    expect(trace).toEqual(["authorize", "a", "b", "b", "a"]);
  });

  it("stops at a refusal: later stages never run, earlier ones still settle", async () => {
    const log: string[] = [];
    const refuse: PipelineStage = {
      name: "guard",
      before: () => {
        throw new AppError("governance.blocked", "no");
      },
      after: () => {
        log.push("after:guard");
      },
    };
    const runner = new StageRunner([recorder("a", log), refuse, recorder("b", log)], silent);
    const trace = ["authorize"];
    const entry = await runner.before(call, ctx, trace, []);
    expect(entry.refusal?.stage).toBe("guard");
    expect(entry.refusal?.error.code).toBe("governance.blocked");
    await runner.after(settlement(trace), ctx, entry.entered);
    expect(log).toEqual(["before:a", "after:a"]);
  });

  it("turns a stage's bug into server.internal, logged and counted, failing closed", async () => {
    const metrics = createAiMetrics(new Registry());
    const runner = new StageRunner(
      [
        {
          name: "buggy",
          before: () => {
            throw new TypeError("oops");
          },
        },
      ],
      silent,
      metrics,
    );
    const errors: OpenSettlement["stageErrors"] = [];
    const entry = await runner.before(call, ctx, [], errors);
    expect(entry.refusal?.error.code).toBe("server.internal");
    expect(errors).toEqual([{ stage: "buggy", hook: "before", code: "server.internal" }]);
    expect((await metrics.stageFailures.get()).values[0]?.value).toBe(1);
  });

  it("lets a stage amend the prompt, never the model or surface", async () => {
    const runner = new StageRunner(
      [
        {
          name: "practices",
          before: (c) =>
            c.operation === "chat"
              ? {
                  ...c,
                  model: "other",
                  surface: "ops",
                  prompt: [{ role: "system", content: "Be brief." }, ...c.prompt],
                }
              : undefined,
        },
      ],
      silent,
    );
    const entry = await runner.before(call, ctx, [], []);
    expect(entry.call.model).toBe("fake/fake-model");
    expect(entry.call.surface).toBe("gateway");
    expect(entry.call.operation === "chat" && entry.call.prompt[0]).toEqual({
      role: "system",
      content: "Be brief.",
    });
  });

  it("runs every after hook once even when one throws, and records the failure for the others", async () => {
    const log: string[] = [];
    const metrics = createAiMetrics(new Registry());
    const runner = new StageRunner(
      [
        recorder("audit", log),
        {
          name: "metering",
          after: () => Promise.reject(new Error("database down")),
        },
      ],
      silent,
      metrics,
    );
    const settled = settlement([]);
    await runner.after(settled, ctx, 2);
    expect(log).toEqual(["after:audit"]);
    expect(settled.stageErrors).toEqual([{ stage: "metering", hook: "after", code: "server.internal" }]);
    expect(settled.trace).toEqual(["metering", "audit"]);
    expect((await metrics.stageFailures.get()).values[0]?.labels).toEqual({
      stage: "metering",
      hook: "after",
    });
  });
});

describe("text filters", () => {
  it("takes the fast path when no stage filters", () => {
    const runner = new StageRunner([{ name: "a", filter: () => undefined }, { name: "b" }], silent);
    expect(runner.filters(call, ctx, []).pipe).toBeNull();
  });

  it("holds text back until a boundary, releases it in order and flushes the rest", async () => {
    const runner = new StageRunner([{ name: "holdback", filter: sentenceFilter }], silent);
    const pipe = runner.filters(call, ctx, []).pipe;
    if (!pipe) throw new Error("no pipe");
    const out: string[] = [];
    for (const t of ["One ", "two. ", "Three ", "four", ". Five"]) out.push(await pipe.push(t));
    expect(out).toEqual(["", "One two. ", "", "", "Three four. "]);
    expect(await pipe.flush()).toBe("Five");
  });

  it("chains filters in list order, the flush of one feeding the next", async () => {
    const upper: TextFilter = { push: (t) => t.toUpperCase(), flush: () => "" };
    const runner = new StageRunner(
      [
        { name: "holdback", filter: sentenceFilter },
        { name: "upper", filter: () => upper },
      ],
      silent,
    );
    const pipe = runner.filters(call, ctx, []).pipe;
    if (!pipe) throw new Error("no pipe");
    expect(await pipe.push("a. b")).toBe("A. ");
    expect(await pipe.flush()).toBe("B");
  });

  it(`fails closed when a filter holds back more than ${MAX_HELD_CHARS} characters`, async () => {
    const hoard: TextFilter = { push: () => "", flush: () => "" };
    const errors: OpenSettlement["stageErrors"] = [];
    const pipe = new StageRunner([{ name: "hoard", filter: () => hoard }], silent).filters(
      call,
      ctx,
      errors,
    ).pipe;
    if (!pipe) throw new Error("no pipe");
    expect(await pipe.push("x".repeat(MAX_HELD_CHARS))).toBe("");
    await expect(pipe.push("x")).rejects.toThrow(AppError);
    expect(errors).toEqual([{ stage: "hoard", hook: "filter", code: "server.internal" }]);
  });

  it("lets a redacting filter shorten text without nearing the bound", async () => {
    const redact: TextFilter = { push: (t) => t.replace(/sk-\w+/g, "[key]"), flush: () => "" };
    const pipe = new StageRunner([{ name: "redact", filter: () => redact }], silent).filters(
      call,
      ctx,
      [],
    ).pipe;
    if (!pipe) throw new Error("no pipe");
    for (let i = 0; i < 200; i++) expect(await pipe.push(`key sk-${"a".repeat(40)} `)).toBe("key [key] ");
  });

  it("refuses the call when a stage cannot build its filter", () => {
    const runner = new StageRunner(
      [
        {
          name: "broken",
          filter: () => {
            throw new AppError("governance.blocked", "not for this call");
          },
        },
      ],
      silent,
    );
    const filters = runner.filters(call, ctx, []);
    expect(filters.refusal?.stage).toBe("broken");
    expect(filters.refusal?.error.code).toBe("governance.blocked");
  });

  it("refuses two stages of one name", () => {
    expect(() => new StageRunner([{ name: "a" }, { name: "a" }], silent)).toThrow(/named a/);
  });
});
