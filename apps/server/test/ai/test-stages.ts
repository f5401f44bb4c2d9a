import { AppError } from "../../src/kernel/app-error.ts";
import type { PipelineStage, StageCall, StageContext, TextFilter } from "../../src/kernel/ai-stage.ts";
import { promptText } from "../../src/modules/ai/context-window.stage.ts";

// Pipeline stages for tests: real stages, switched on per call by a `[[marker]]` in the prompt.

/** Every hook a test stage ran, tagged with the call's marker (a `[[word]]` in the prompt). */
export interface Hook {
  marker: string;
  stage: string;
  hook: "before" | "after";
  outcome?: string;
  errorCode?: string | null;
}
export const hooks: Hook[] = [];
const markers = new WeakMap<StageContext, string>();

export function markerOf(call: StageCall): string {
  const text = call.operation === "chat" ? promptText(call.prompt) : call.values.join(" ");
  return /\[\[(\w+)\]\]/.exec(text)?.[1] ?? "none";
}

/** A stage that records its hooks. */
export function recorder(name: string): PipelineStage {
  return {
    name,
    before(call, ctx) {
      markers.set(ctx, markerOf(call));
      hooks.push({ marker: markerOf(call), stage: name, hook: "before" });
      return undefined;
    },
    after(result, ctx) {
      hooks.push({
        marker: markers.get(ctx) ?? "unknown",
        stage: name,
        hook: "after",
        outcome: result.outcome,
        errorCode: result.errorCode,
      });
    },
  };
}

/** Refuses calls marked `blocked`, as a governance pre-check would. */
export const guard: PipelineStage = {
  name: "guard",
  before(call) {
    if (markerOf(call) === "blocked") throw new AppError("governance.blocked", "This prompt is not allowed");
    return undefined;
  },
};

/** Holds text back until a sentence ends, for calls marked `holdback`. */
/** Holds text back until a sentence ends (". "), as a governance detector would. */
export function sentenceFilter(): TextFilter {
  let held = "";
  return {
    push(text) {
      held += text;
      const end = held.lastIndexOf(". ");
      if (end < 0) return "";
      const out = held.slice(0, end + 2);
      held = held.slice(end + 2);
      return out;
    },
    flush: () => held,
  };
}

export const holdback: PipelineStage = {
  name: "holdback",
  filter(call) {
    if (markerOf(call) !== "holdback") return undefined;
    return sentenceFilter();
  },
};

/** Lets two deltas through and breaks on the third, for calls marked `explode`. */
export const exploder: PipelineStage = {
  name: "exploder",
  filter(call) {
    if (markerOf(call) !== "explode") return undefined;
    let seen = 0;
    return {
      push(text) {
        if (++seen === 3) throw new Error("detector crashed");
        return text;
      },
      flush: () => "",
    };
  },
};

/** Fails in `after` for calls marked `afterfail`, as a settlement store that is down would. */
export const brokenAfter: PipelineStage = {
  name: "broken_after",
  before(call, ctx) {
    markers.set(ctx, markerOf(call));
    return undefined;
  },
  after(_result, ctx) {
    if (markers.get(ctx) === "afterfail") throw new Error("ledger unavailable");
  },
};
