import { GuideStatus, TaskStatus, type Guide, type GuideSummary, type GuideTask } from "@parley/contracts";
import { z } from "zod";
import type {
  McpContribution,
  McpPrompt,
  McpResourceTemplate,
  McpTool,
} from "../../kernel/mcp-contribution.ts";
import type { GuideDrafting } from "./guide-drafting.ts";
import type { GuideService } from "./guides.service.ts";

const Id = z.string().min(1).max(100);

const SearchGuidesInput = z.strictObject({
  query: z.string().trim().min(1).max(200).optional().describe("Words in title or content"),
  teamId: Id.optional(),
  status: GuideStatus.optional(),
});

const GetGuideInput = z.strictObject({ guideId: Id });

const CreateGuideInput = z.strictObject({
  teamId: Id,
  title: z.string().trim().min(1).max(200).optional(),
  content: z.string().max(256_000).optional().describe("Markdown; `- [ ]` items are the tasks"),
  templateId: Id.optional().describe("builtin:feature|bugfix|refactor|service, or a team's"),
  variables: z.record(z.string(), z.string()).optional().describe("The template's variables"),
  draftFrom: z
    .string()
    .trim()
    .min(1)
    .max(8000)
    .optional()
    .describe("Instead: a description the AI drafts the guide from, with estimates"),
});

const UpdateTaskInput = z.strictObject({ guideId: Id, taskId: Id, status: TaskStatus });

const EstimateTasksInput = z.strictObject({ guideId: Id });

const NextTaskArgs = z.object({ guideId: z.string().describe("The guide to work on") });

/**
 * The guides module's MCP tools, resource (`guide://{id}` as markdown) and prompt ("work on the
 * next open task"): each the same `GuideService` or `GuideDrafting` method as its REST route, so
 * team scoping, permissions, governance (drafts are AI calls) and audit apply unchanged.
 */
export function guideTools(deps: { guides: GuideService; drafting: GuideDrafting }): McpContribution {
  const { guides, drafting } = deps;
  const search: McpTool<typeof SearchGuidesInput> = {
    name: "search_guides",
    title: "Search guides",
    description: "Lists your teams' guides (task checklists for software work) with progress, newest first.",
    permission: "guides:read",
    input: SearchGuidesInput,
    hints: { readOnly: true, idempotent: true },
    handler: async (ctx, input) => {
      const page = await guides.list(
        {
          limit: 20,
          includeArchived: false,
          ...(input.query ? { q: input.query } : {}),
          ...(input.teamId ? { teamId: input.teamId } : {}),
          ...(input.status ? { status: input.status } : {}),
        },
        ctx,
      );
      return {
        text: page.items.length ? page.items.map(summaryLine).join("\n") : "No guide matches.",
        structured: { guides: page.items },
      };
    },
  };
  const get: McpTool<typeof GetGuideInput> = {
    name: "get_guide",
    title: "Get a guide",
    description: "A guide's tasks with their ids, status and estimates, by section.",
    permission: "guides:read",
    input: GetGuideInput,
    hints: { readOnly: true, idempotent: true },
    handler: async (ctx, { guideId }) => {
      const guide = await guides.get(guideId, ctx);
      return { text: guideText(guide), structured: { guide: withoutContent(guide) } };
    },
  };
  const create: McpTool<typeof CreateGuideInput> = {
    name: "create_guide",
    title: "Create a guide",
    description: "Creates a guide from markdown, from a template, or drafted by the AI from a description.",
    permission: "guides:write",
    input: CreateGuideInput,
    hints: { readOnly: false },
    handler: async (ctx, input) => {
      const guide = input.draftFrom
        ? (await drafting.draft({ teamId: input.teamId, description: input.draftFrom, create: true }, ctx))
            .guide
        : await guides.create(
            {
              teamId: input.teamId,
              ...(input.title ? { title: input.title } : {}),
              ...(input.content !== undefined ? { content: input.content } : {}),
              ...(input.templateId ? { templateId: input.templateId } : {}),
              ...(input.variables ? { variables: input.variables } : {}),
            },
            ctx,
          );
      if (!guide) throw new Error("a draft created no guide");
      return { text: `Created ${guideText(guide)}`, structured: { guide: withoutContent(guide) } };
    },
  };
  const update: McpTool<typeof UpdateTaskInput> = {
    name: "update_task",
    title: "Update a task",
    description: "Sets a task's status: in_progress when you start it, done when finished, open to reopen.",
    permission: "guides:write",
    input: UpdateTaskInput,
    hints: { readOnly: false, idempotent: true },
    handler: async (ctx, { guideId, taskId, status }) => {
      const guide = await guides.updateTask(guideId, taskId, { status }, ctx);
      const task = guide.tasks.find((t) => t.id === taskId);
      return {
        text: `${task ? taskLine(task) : taskId} — guide ${guide.progress.done}/${guide.progress.total} done, ${guide.status}`,
        structured: { task: task ?? null, progress: guide.progress, status: guide.status },
      };
    },
  };
  const estimate: McpTool<typeof EstimateTasksInput> = {
    name: "estimate_tasks",
    title: "Estimate tasks",
    description: "Has the AI estimate the guide's tasks that have no estimate (minutes, with a range).",
    permission: "guides:write",
    input: EstimateTasksInput,
    hints: { readOnly: false, idempotent: true },
    handler: async (ctx, { guideId }) => {
      const guide = await drafting.estimate(guideId, { onlyMissing: true }, ctx);
      return { text: guideText(guide), structured: { guide: withoutContent(guide) } };
    },
  };
  const resource: McpResourceTemplate = {
    name: "guide",
    uriTemplate: "guide://{id}",
    title: "Guide",
    description: "A guide as its markdown document; its `- [ ]` items are the tasks.",
    mimeType: "text/markdown",
    permission: "guides:read",
    read: async (ctx, { id }) => ({ text: (await guides.markdown(id ?? "", ctx)).content }),
    list: async (ctx) =>
      (await guides.list({ limit: 50, includeArchived: false }, ctx)).items.map((g) => ({
        uri: `guide://${g.id}`,
        name: g.title,
        description: `${g.progress.done}/${g.progress.total} tasks done`,
      })),
  };
  const nextTask: McpPrompt<typeof NextTaskArgs> = {
    name: "next_task",
    title: "Work on the next open task",
    description: "Picks the guide's next open task and asks to do it, then mark it done.",
    permission: "guides:read",
    args: NextTaskArgs,
    handler: async (ctx, { guideId }) => {
      const guide = await guides.get(guideId, ctx);
      const next =
        guide.tasks.find((t) => t.status === "in_progress") ?? guide.tasks.find((t) => t.status === "open");
      if (!next)
        return {
          description: `${guide.title}: every task is done`,
          messages: [
            { role: "user", text: `Every task of the guide "${guide.title}" is done. Review the result.` },
          ],
        };
      const section = next.section.length ? ` (section: ${next.section.join(" › ")})` : "";
      return {
        description: `${guide.title}: ${next.text}`,
        messages: [
          {
            role: "user",
            text: [
              `Work on the next open task of the guide "${guide.title}" (id ${guide.id}):`,
              `${next.text}${section}.${next.estimate ? ` It is estimated at ${next.estimate.minutes} minutes.` : ""}`,
              `First call update_task with guideId ${guide.id}, taskId ${next.id} and status in_progress;`,
              "do the work; then call it again with status done. The guide so far:",
              "",
              guideText(guide),
            ].join("\n"),
          },
        ],
      };
    },
  };
  return { tools: [search, get, create, update, estimate], resources: [resource], prompts: [nextTask] };
}

function summaryLine(g: GuideSummary): string {
  return `- ${g.title} (id ${g.id}): ${g.status}, ${g.progress.done}/${g.progress.total} tasks done`;
}

function taskLine(t: GuideTask): string {
  const mark = t.status === "done" ? "[x]" : t.status === "in_progress" ? "[~]" : "[ ]";
  const estimate = t.calibratedEstimate ?? t.estimate;
  return `${"  ".repeat(t.depth)}${mark} ${t.text} (task ${t.id}${estimate ? `, ~${estimate.minutes} min` : ""})`;
}

/** The guide as a model reads it: title, status, then its tasks by section. */
function guideText(guide: Guide): string {
  const lines = [
    `${guide.title} (id ${guide.id}): ${guide.status}, ${guide.progress.done}/${guide.progress.total} tasks done`,
  ];
  let section = "";
  for (const task of guide.tasks) {
    const here = task.section.join(" › ");
    if (here !== section) {
      section = here;
      if (here) lines.push(`## ${here}`);
    }
    lines.push(taskLine(task));
  }
  return lines.join("\n");
}

function withoutContent(guide: Guide): Omit<Guide, "content"> {
  const { content: _content, ...rest } = guide;
  return rest;
}
