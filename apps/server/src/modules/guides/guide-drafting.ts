import {
  CodeAnalysis,
  GuideDraft,
  type AnalyzeCodeRequest,
  type DraftGuideRequest,
  type DraftGuideResponse,
  type EstimateGuideRequest,
  type Guide,
} from "@parley/contracts";
import { z } from "zod";
import { AppError } from "../../kernel/app-error.ts";
import { assertMayIn, requirePrincipal } from "../../kernel/principal.ts";
import type { RequestContext } from "../../kernel/request-context.ts";
import type { AiPipeline, ChatCall } from "../ai/index.ts";
import type { KnowledgeService } from "../knowledge/index.ts";
import type { ProvidersExports } from "../providers/index.ts";
import type { EstimateInput, GuideService } from "./guides.service.ts";

/** What drafting needs: the AI pipeline, the catalog (a default model), knowledge search. */
export interface GuideDraftingDeps {
  pipeline: AiPipeline;
  catalog: Pick<ProvidersExports["catalog"], "list">;
  knowledge: Pick<KnowledgeService, "search">;
  guides: GuideService;
}

/** How many knowledge passages a draft is grounded in, at most. */
const PASSAGES = 5;

const DRAFT_INSTRUCTIONS = `You plan software work for a team as a guide: a markdown checklist of tasks grouped in sections.
Answer with one JSON object only, matching the given schema:
- title: short, names the work;
- description: one or two sentences;
- sections: in the order the work is done, each with a heading and 1 to 12 tasks;
- each task: one concrete action a developer can tick off, in the imperative;
- estimateMinutes: the likeliest time for one developer, with lowMinutes ≤ estimateMinutes ≤ highMinutes as the range.`;

const ANALYZE_INSTRUCTIONS = `You read a code snippet and suggest the sections of a guide for working on it (tests, refactoring, fixes, documentation, whatever the code needs).
Answer with one JSON object only, matching the given schema: a summary of what the code does and its weak points, then sections, each with a heading, why it is needed, and concrete tasks.`;

const ESTIMATE_INSTRUCTIONS = `You estimate software tasks. For each numbered task give the likeliest time in minutes for one developer and a range (low ≤ minutes ≤ high).
Answer with one JSON object only, matching the given schema, with one entry per task number.`;

/** The answer the estimate call asks for. */
const TaskEstimates = z.object({
  estimates: z
    .array(
      z.object({
        task: z.number().int().min(1),
        minutes: z.number().int().min(1).max(100_000),
        low: z.number().int().min(1).max(100_000),
        high: z.number().int().min(1).max(100_000),
      }),
    )
    .max(2000),
});

/**
 * The AI side of guides: drafting a guide from a description (and code, and a knowledge base),
 * suggesting sections for a code snippet, and estimating a guide's tasks. Every call goes through
 * the AI pipeline on the `guides` surface, so governance, limits, metering and audit apply; the
 * model answers in JSON against a schema, checked with Zod (one more try on a bad answer).
 */
export class GuideDrafting {
  readonly #d: GuideDraftingDeps;
  constructor(deps: GuideDraftingDeps) {
    this.#d = deps;
  }

  /**
   * Drafts a guide; with `create`, stores it with its estimates.
   * @throws AppError `team.not_found`, `auth.forbidden`, `knowledge_base.not_found`,
   * `guide.draft_invalid`, and the AI pipeline's errors (`governance.blocked`, `model.not_found`...).
   */
  async draft(input: DraftGuideRequest, ctx: RequestContext): Promise<DraftGuideResponse> {
    const principal = requirePrincipal(ctx);
    assertMayIn(
      principal,
      input.create ? "guides:write" : "guides:read",
      input.teamId,
      "Drafting a guide here",
    );
    const passages = input.knowledgeBaseId
      ? (
          await this.#d.knowledge.search(
            input.knowledgeBaseId,
            { query: input.description.slice(0, 1000), limit: PASSAGES },
            ctx,
          )
        ).data
      : [];
    const parts = [`Work to plan:\n${input.description}`];
    if (input.code) parts.push(`Code it is about:\n\`\`\`\n${input.code}\n\`\`\``);
    if (passages.length)
      parts.push(
        `What the team's documents say:\n${passages.map((p, i) => `[${i + 1}] ${p.documentName}: ${p.text}`).join("\n\n")}`,
      );
    const { value: draft, model } = await this.#ask(
      GuideDraft,
      DRAFT_INSTRUCTIONS,
      parts.join("\n\n"),
      {
        teamId: input.teamId,
        projectId: input.projectId ?? null,
        model: input.model,
        name: "guide_draft",
      },
      ctx,
    );
    const markdown = draftMarkdown(draft);
    let guide: Guide | null = null;
    if (input.create) {
      // One write: the markdown and each task's estimate (tasks follow the draft's order).
      guide = await this.#d.guides.create(
        {
          teamId: input.teamId,
          ...(input.projectId !== undefined ? { projectId: input.projectId } : {}),
          title: draft.title,
          description: draft.description,
          content: markdown,
          ...(input.tags ? { tags: input.tags } : {}),
          estimates: draft.sections
            .flatMap((s) => s.tasks)
            .map((e) => normalised(e.estimateMinutes, e.lowMinutes, e.highMinutes)),
        },
        ctx,
      );
    }
    return { draft, markdown, model, guide };
  }

  /** Suggests guide sections for a code snippet. @throws as {@link draft}. */
  async analyze(input: AnalyzeCodeRequest, ctx: RequestContext): Promise<CodeAnalysis & { model: string }> {
    assertMayIn(requirePrincipal(ctx), "guides:read", input.teamId, "Analysing code here");
    const prompt = [
      input.goal ? `Goal of the work: ${input.goal}` : "",
      `Code${input.language ? ` (${input.language})` : ""}:\n\`\`\`\n${input.code}\n\`\`\``,
    ]
      .filter(Boolean)
      .join("\n\n");
    const { value, model } = await this.#ask(
      CodeAnalysis,
      ANALYZE_INSTRUCTIONS,
      prompt,
      {
        teamId: input.teamId,
        projectId: null,
        model: input.model,
        name: "code_analysis",
      },
      ctx,
    );
    return { ...value, model };
  }

  /**
   * Estimates the guide's tasks (those without an estimate, unless `onlyMissing` is false) and
   * stores the estimates. @throws as {@link draft}, and `guide.not_found`.
   */
  async estimate(id: string, input: EstimateGuideRequest, ctx: RequestContext): Promise<Guide> {
    const guide = await this.#d.guides.get(id, ctx);
    const onlyMissing = input.onlyMissing ?? true;
    const open = guide.tasks.filter((t) => !onlyMissing || t.estimate === null);
    if (!open.length) return guide;
    const list = open
      .map((t, i) => `${i + 1}. ${t.section.length ? `[${t.section.join(" › ")}] ` : ""}${t.text}`)
      .join("\n");
    const { value } = await this.#ask(
      TaskEstimates,
      ESTIMATE_INSTRUCTIONS,
      `Guide: ${guide.title}\n${guide.description}\n\nTasks:\n${list}`,
      { teamId: guide.teamId, projectId: guide.projectId, model: input.model, name: "task_estimates" },
      ctx,
    );
    const estimates = new Map<string, EstimateInput>();
    for (const e of value.estimates) {
      const task = open[e.task - 1];
      if (task) estimates.set(task.id, normalised(e.minutes, e.low, e.high));
    }
    return estimates.size ? this.#d.guides.setEstimates(id, estimates, ctx) : guide;
  }

  /**
   * One JSON answer from the model, checked against `schema`; a wrong one is shown its errors and
   * asked once more. @throws AppError `guide.draft_invalid` when the second answer is wrong too.
   */
  async #ask<S extends z.ZodType>(
    schema: S,
    instructions: string,
    prompt: string,
    call: { teamId: string; projectId: string | null; model: string | undefined; name: string },
    ctx: RequestContext,
  ): Promise<{ value: z.output<S>; model: string }> {
    const model = call.model ?? (await this.#defaultModel());
    // Inline (an empty registry: no `$ref` to the contracts' named schemas), without `$schema`:
    // providers want an object at the root.
    const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, {
      target: "draft-7",
      metadata: z.registry(),
    }) as Record<string, unknown>;
    const messages: ChatCall["prompt"] = [
      { role: "system", content: instructions },
      { role: "user", content: [{ type: "text", text: prompt }] },
    ];
    let problem = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
      const run = await this.#d.pipeline.streamChat(
        {
          surface: "guides",
          teamId: call.teamId,
          projectId: call.projectId,
          model,
          prompt: messages,
          delivery: "whole",
          options: {
            responseFormat: { type: "json", name: call.name, schema: jsonSchema },
            temperature: 0.2,
          },
        },
        ctx,
      );
      let text = "";
      for await (const part of run.parts) if (part.type === "text") text += part.delta;
      const parsed = schema.safeParse(parseJson(text));
      if (parsed.success) return { value: parsed.data, model: run.model.id };
      problem = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(answer)"}: ${i.message}`)
        .join("; ");
      messages.push(
        { role: "assistant", content: [{ type: "text", text: text.slice(0, 20_000) }] },
        {
          role: "user",
          content: [
            {
              type: "text",
              text: `That answer does not match the schema (${problem}). Answer again with JSON only.`,
            },
          ],
        },
      );
    }
    throw new AppError("guide.draft_invalid", `The model's answer did not match the schema: ${problem}`, {
      details: { problem },
    });
  }

  async #defaultModel(): Promise<string> {
    const first = (await this.#d.catalog.list()).find((m) => m.enabled);
    if (!first) throw new AppError("model.not_found", "No model is configured: add a provider first");
    return first.id;
  }
}

/** The draft as a guide's markdown: title, description, a heading and task list per section. */
export function draftMarkdown(draft: GuideDraft): string {
  const oneLine = (text: string) => text.replace(/\s+/g, " ").trim();
  const lines = [`# ${oneLine(draft.title)}`, "", draft.description.trim(), ""];
  for (const section of draft.sections) {
    lines.push(`## ${oneLine(section.heading)}`);
    for (const task of section.tasks) lines.push(`- [ ] ${oneLine(task.text)}`);
    lines.push("");
  }
  return lines.join("\n");
}

/** An estimate with its range put in order (a model may swap low and high). */
function normalised(minutes: number, low: number, high: number): EstimateInput {
  const [a, b, c] = [minutes, low, high].sort((x, y) => x - y) as [number, number, number];
  return { minutes: b, low: a, high: c };
}

function parseJson(text: string): unknown {
  const trimmed = text.trim().replace(/^```(?:json)?\s*|\s*```$/g, "");
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}
