import {
  MAX_GUIDE_MARKDOWN_CHARS,
  MAX_GUIDE_TASKS,
  type CreateGuideRequest,
  type EstimateReport,
  type Guide,
  type GuideListQuery,
  type GuideSummary,
  type TaskStatus,
  type UpdateGuideRequest,
  type UpdateTaskRequest,
} from "@parley/contracts";
import { decodeCursor, encodeCursor } from "../../db/cursor.ts";
import { searchWords } from "../../db/full-text.ts";
import { AppError } from "../../kernel/app-error.ts";
import { newId } from "../../kernel/ids.ts";
import {
  assertMayIn,
  can,
  requirePrincipal,
  teamsWhere,
  type Principal,
  boundTeam,
} from "../../kernel/principal.ts";
import { auditOrigin, type AuditSink, type RequestContext } from "../../kernel/request-context.ts";
import type { Clock } from "../../platform/clock/clock.ts";
import { isForeignKeyViolation } from "../../platform/db/constraint-errors.ts";
import type { IdentityExports } from "../identity/index.ts";
import type { ProjectService } from "../projects/index.ts";
import type { GuideEvents, GuideEventSource, GuideScope } from "./guide-events.ts";
import {
  actualMinutes,
  CALIBRATION_WINDOW,
  calibrationOf,
  meanAbsolutePercentError,
  type Calibration,
} from "./guide-estimates.ts";
import { parseGuide, setTaskChecked, type ParsedTask } from "./guide-markdown.ts";
import type { GuideTemplates } from "./guide-templates.service.ts";
import { derivedStatus, toGuide, toGuideSummary, toGuideTask } from "./guide-view.ts";
import type { GuideRepository, GuideRow, LockedGuide, TaskRow } from "./guides.repository.ts";
import { carryIds } from "./task-identity.ts";

/** Dependencies of the guide service. */
export interface GuideServiceDeps {
  guides: GuideRepository;
  templates: GuideTemplates;
  projects: Pick<ProjectService, "inTeam">;
  teams: Pick<IdentityExports["teams"], "members">;
  events: GuideEvents;
  audit: AuditSink;
  clock: Clock;
}

/** A task's estimate as the AI or a person gives it. */
export interface EstimateInput {
  minutes: number;
  low: number;
  high: number;
}

/**
 * A team's guides: markdown documents whose GFM checkboxes are their tasks. The markdown is the
 * truth; the task rows mirror its checkboxes (in order) with what the markdown cannot hold: a
 * stable id, when a task was started and ticked and by whom, its estimate. Every change of a
 * guide runs with its row locked and raises its version, so concurrent changes queue and a stale
 * edit is a 409; each change goes on the team's event log for the live views.
 */
export class GuideService implements GuideEventSource {
  readonly #d: GuideServiceDeps;
  constructor(deps: GuideServiceDeps) {
    this.#d = deps;
  }

  async list(
    query: GuideListQuery,
    ctx: RequestContext,
  ): Promise<{ items: GuideSummary[]; nextCursor: string | null }> {
    const principal = requirePrincipal(ctx);
    if (query.teamId) assertMayIn(principal, "guides:read", query.teamId, "Listing this team's guides");
    const words = query.q ? searchWords(query.q) : undefined;
    if (query.q && !words?.length) return { items: [], nextCursor: null };
    const rows = await this.#d.guides.list({
      teamIds: query.teamId ? [query.teamId] : readableTeams(principal),
      includeArchived: query.includeArchived,
      limit: query.limit + 1,
      ...(query.projectId ? { projectId: query.projectId } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.tag ? { tag: query.tag } : {}),
      ...(query.ownerId ? { ownerId: query.ownerId } : {}),
      ...(words ? { words } : {}),
      ...(query.cursor ? { after: decodeGuideCursor(query.cursor) } : {}),
    });
    const page = rows.slice(0, query.limit);
    const tags = await this.#d.guides.tagsOf(page.map((r) => r.id));
    const last = page.at(-1);
    return {
      items: page.map((row) => toGuideSummary(row, tags.get(row.id) ?? [])),
      nextCursor:
        rows.length > query.limit && last ? encodeCursor(JSON.stringify([last.updated_at, last.id])) : null,
    };
  }

  /** @throws AppError `guide.not_found`. */
  async get(id: string, ctx: RequestContext): Promise<Guide> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    return this.#view(row);
  }

  /** The guide's markdown, for readers that want the document itself (an MCP resource). */
  async markdown(id: string, ctx: RequestContext): Promise<{ title: string; content: string }> {
    const row = await this.#visible(id, requirePrincipal(ctx));
    return { title: row.title, content: row.content };
  }

  /**
   * Creates a guide from markdown, or from a template with its variables.
   * @throws AppError `team.not_found`, `auth.forbidden`, `guide.template_not_found`,
   * `guide.template_variables`, `guide.too_large`, `guide.project_not_in_team`.
   */
  async create(input: CreateGuideRequest, ctx: RequestContext): Promise<Guide> {
    const principal = requirePrincipal(ctx);
    assertMayIn(principal, "guides:write", input.teamId, "Creating a guide here");
    let title = input.title;
    let content = input.content ?? "";
    let tags = input.tags ?? [];
    if (input.templateId) {
      const made = await this.#d.templates.render(input.templateId, input.teamId, input.variables ?? {}, ctx);
      title ??= made.title;
      content = input.content ?? made.content;
      tags = input.tags ?? made.tags;
    } else if (input.variables) {
      throw new AppError("validation.failed", "variables are for a template: give templateId too", {
        details: { issues: [{ location: "body", path: "variables", message: "needs templateId" }] },
      });
    }
    if (!title)
      throw new AppError("validation.failed", "A guide needs a title (or a template that gives one)", {
        details: { issues: [{ location: "body", path: "title", message: "is required" }] },
      });
    const parsed = parseChecked(content);
    const projectId = await this.#projectOf(input.projectId ?? null, input.teamId, ctx);
    const ownerId =
      input.ownerId === undefined ? principal.userId : await this.#ownerOf(input.ownerId, input.teamId, ctx);
    const now = this.#d.clock.now();
    const id = newId();
    if (input.estimates && input.estimates.length > parsed.length)
      throw new AppError(
        "validation.failed",
        `${input.estimates.length} estimates for ${parsed.length} tasks`,
        {
          details: {
            issues: [
              { location: "body", path: "estimates", message: "has more entries than the guide has tasks" },
            ],
          },
        },
      );
    const tasks = taskRows(id, parsed, [], now, principal.userId).map((task, i) => {
      const estimate = input.estimates?.[i];
      return estimate
        ? {
            ...task,
            estimate_minutes: estimate.minutes,
            estimate_low: estimate.low,
            estimate_high: estimate.high,
          }
        : task;
    });
    const done = parsed.filter((t) => t.checked).length;
    const row: GuideRow = {
      id,
      team_id: input.teamId,
      project_id: projectId,
      title,
      description: input.description ?? "",
      content,
      status: input.status ?? derivedStatus(done, parsed.length, false),
      status_set: input.status ?? null,
      owner_id: ownerId,
      version: 1,
      tasks_done: done,
      tasks_total: parsed.length,
      template_id: input.templateId ?? null,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      archived_at: null,
      search_rowid: null,
    };
    const uniqueTags = dedupeTags(tags);
    try {
      const { search_rowid: _unused, ...insertable } = row;
      await this.#d.guides.insert(insertable, uniqueTags, tasks);
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw new AppError("team.not_found", `No team ${input.teamId}`, { cause: error });
      throw error;
    }
    await this.#audit(ctx, "guide.created", row, {
      title,
      tasks: parsed.length,
      templateId: row.template_id,
    });
    const summary = toGuideSummary(row, uniqueTags);
    await this.#d.events.publish(
      row.team_id,
      { type: "guide.changed", teamId: row.team_id, guide: summary },
      `${id}:1`,
    );
    return this.#view(row, uniqueTags);
  }

  /**
   * Changes a guide. An edit of its markdown needs `expectedVersion` (428 without it, 409 when
   * stale); the tasks are parsed again and keep their ids, history and estimates where they
   * continue an old task.
   * @throws AppError `guide.not_found`, `auth.forbidden`, `guide.version_required`,
   * `guide.version_conflict`, `guide.too_large`, `guide.project_not_in_team`.
   */
  async update(id: string, patch: UpdateGuideRequest, ctx: RequestContext): Promise<Guide> {
    const principal = requirePrincipal(ctx);
    const current = await this.#changeable(id, principal);
    if (patch.content !== undefined && patch.expectedVersion === undefined)
      throw new AppError(
        "guide.version_required",
        "Send expectedVersion (the version you edited) with new content, so that no edit is lost",
      );
    const parsed = patch.content !== undefined ? parseChecked(patch.content) : null;
    const projectId =
      patch.projectId === undefined
        ? undefined
        : await this.#projectOf(patch.projectId, current.team_id, ctx);
    const ownerId =
      patch.ownerId === undefined ? undefined : await this.#ownerOf(patch.ownerId, current.team_id, ctx);
    const now = this.#d.clock.now();
    const result = await this.#d.guides.locked(id, async (guide) => {
      assertVersion(guide.row, patch.expectedVersion);
      let tasks = await guide.tasks();
      if (parsed && patch.content !== undefined) {
        tasks = taskRows(id, parsed, tasks, now, principal.userId);
        await guide.replaceTasks(tasks);
      }
      const tags = patch.tags !== undefined ? dedupeTags(patch.tags) : await guide.tags();
      if (patch.tags !== undefined) await guide.setTags(tags);
      const statusSet = patch.status === undefined ? guide.row.status_set : patch.status;
      const done = tasks.filter(isDone).length;
      const changes = {
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.content !== undefined ? { content: patch.content } : {}),
        ...(projectId !== undefined ? { project_id: projectId } : {}),
        ...(ownerId !== undefined ? { owner_id: ownerId } : {}),
        ...(patch.archived !== undefined
          ? { archived_at: patch.archived ? (guide.row.archived_at ?? now) : null }
          : {}),
        status_set: statusSet,
        status: statusSet ?? derivedStatus(done, tasks.length, tasks.some(isStarted)),
        tasks_done: done,
        tasks_total: tasks.length,
        version: guide.row.version + 1,
        updated_at: now,
      };
      await guide.update(changes);
      return { row: { ...guide.row, ...changes }, tasks, tags };
    });
    if (!result) throw new AppError("guide.not_found", `No guide ${id}`);
    const action =
      patch.archived === undefined ? "guide.updated" : patch.archived ? "guide.archived" : "guide.restored";
    await this.#audit(ctx, action, result.row, {
      changed: Object.keys(patch)
        .filter((k) => k !== "expectedVersion")
        .sort(),
      version: result.row.version,
    });
    await this.#announce(result.row, result.tags);
    return toGuide(result.row, result.tags, result.tasks, await this.#calibration(result.row.team_id));
  }

  /** Deletes a guide and its tasks. @throws AppError `guide.not_found`, `auth.forbidden`. */
  async delete(id: string, ctx: RequestContext): Promise<void> {
    const row = await this.#changeable(id, requirePrincipal(ctx));
    await this.#d.guides.delete(id);
    await this.#audit(ctx, "guide.deleted", row, { title: row.title });
    await this.#d.events.publish(
      row.team_id,
      { type: "guide.deleted", teamId: row.team_id, guideId: id },
      `${id}:deleted`,
    );
  }

  /**
   * Starts, ticks or reopens a task (rewriting exactly its checkbox in the markdown), or sets its
   * estimate. Concurrent changes of one guide queue on its row; with `expectedVersion`, a guide
   * changed since is a 409.
   * @throws AppError `guide.not_found`, `guide.task_not_found`, `auth.forbidden`,
   * `guide.version_conflict`.
   */
  async updateTask(
    id: string,
    taskId: string,
    patch: UpdateTaskRequest,
    ctx: RequestContext,
  ): Promise<Guide> {
    const principal = requirePrincipal(ctx);
    await this.#changeable(id, principal);
    const wanted: TaskStatus | undefined =
      patch.status ?? (patch.done === undefined ? undefined : patch.done ? "done" : "open");
    const now = this.#d.clock.now();
    const result = await this.#d.guides.locked(id, async (guide) => {
      assertVersion(guide.row, patch.expectedVersion);
      const tasks = await guide.tasks();
      const task = tasks.find((t) => t.id === taskId);
      if (!task) throw new AppError("guide.task_not_found", `No task ${taskId} in this guide`);
      const changes = taskChanges(task, wanted, patch.estimate, now, principal.userId);
      let content = guide.row.content;
      if (changes.done !== undefined && Boolean(changes.done) !== isDone(task))
        content = setTaskChecked(content, task.position, Boolean(changes.done));
      Object.assign(task, changes);
      if (Object.keys(changes).length) await guide.updateTask(taskId, changes);
      return this.#store(guide, tasks, content, now, { task });
    });
    if (!result) throw new AppError("guide.not_found", `No guide ${id}`);
    const { row, tasks, tags, task } = result;
    await this.#audit(ctx, "guide.task_updated", row, {
      taskId,
      status: wanted ?? null,
      estimate: patch.estimate === undefined ? undefined : patch.estimate,
      version: row.version,
    });
    const calibration = await this.#calibration(row.team_id);
    await this.#d.events.publish(
      row.team_id,
      {
        type: "task.changed",
        teamId: row.team_id,
        guideId: id,
        version: row.version,
        task: toGuideTask(task, calibration),
        guide: toGuideSummary(row, tags),
      },
      `${id}:${row.version}`,
    );
    return toGuide(row, tags, tasks, calibration);
  }

  /**
   * Sets the estimates of several tasks at once (the AI's), in one change of the guide.
   * @throws AppError `guide.not_found`, `auth.forbidden`.
   */
  async setEstimates(
    id: string,
    estimates: ReadonlyMap<string, EstimateInput>,
    ctx: RequestContext,
  ): Promise<Guide> {
    const principal = requirePrincipal(ctx);
    await this.#changeable(id, principal);
    const now = this.#d.clock.now();
    const result = await this.#d.guides.locked(id, async (guide) => {
      const tasks = await guide.tasks();
      for (const task of tasks) {
        const estimate = estimates.get(task.id);
        if (!estimate) continue;
        const changes = {
          estimate_minutes: estimate.minutes,
          estimate_low: estimate.low,
          estimate_high: estimate.high,
        };
        Object.assign(task, changes);
        await guide.updateTask(task.id, changes);
      }
      return this.#store(guide, tasks, guide.row.content, now, {});
    });
    if (!result) throw new AppError("guide.not_found", `No guide ${id}`);
    await this.#audit(ctx, "guide.estimated", result.row, {
      tasks: estimates.size,
      version: result.row.version,
    });
    await this.#announce(result.row, result.tags);
    return toGuide(result.row, result.tags, result.tasks, await this.#calibration(result.row.team_id));
  }

  /** The guides a stream starts from: one visible guide, or a team's (authorized). */
  async snapshot(scope: GuideScope, ctx: RequestContext): Promise<GuideSummary[]> {
    const principal = requirePrincipal(ctx);
    if ("guideId" in scope) {
      const row = await this.#visible(scope.guideId, principal);
      return [toGuideSummary(row, await this.#d.guides.tags(row.id))];
    }
    assertMayIn(principal, "guides:read", scope.teamId, "Watching this team's guides");
    const rows = await this.#d.guides.list({ teamIds: [scope.teamId], includeArchived: false, limit: 200 });
    const tags = await this.#d.guides.tagsOf(rows.map((r) => r.id));
    return rows.map((row) => toGuideSummary(row, tags.get(row.id) ?? []));
  }

  /** The team a guide belongs to, if the caller sees it. @throws AppError `guide.not_found`. */
  async teamOf(id: string, ctx: RequestContext): Promise<string> {
    return (await this.#visible(id, requirePrincipal(ctx))).team_id;
  }

  /** The team's calibration (actual over estimated time of its finished tasks). */
  async calibration(teamId: string, ctx: RequestContext): Promise<Calibration> {
    assertMayIn(requirePrincipal(ctx), "guides:read", teamId, "Reading this team's estimates");
    return this.#calibration(teamId);
  }

  /**
   * How far the team's estimates were from the time its tasks took: the calibration factor, and
   * per guide with estimates the totals and the mean absolute error of its measured tasks.
   */
  async estimateReport(teamId: string, ctx: RequestContext): Promise<EstimateReport> {
    assertMayIn(requirePrincipal(ctx), "guides:read", teamId, "Reading this team's estimates");
    const calibration = await this.#calibration(teamId);
    const guides = await this.#d.guides.estimatedGuides(teamId, 100);
    const rows = [];
    for (const guide of guides) {
      const tasks = await this.#d.guides.tasks(guide.id);
      const measured = tasks.flatMap((t) => {
        const actual = isDone(t) ? actualMinutes(t.started_at, t.completed_at) : null;
        return t.estimate_minutes !== null && actual !== null
          ? [{ estimate: t.estimate_minutes, actual }]
          : [];
      });
      rows.push({
        guideId: guide.id,
        title: guide.title,
        status: guide.status as Guide["status"],
        estimatedMinutes: tasks.reduce((sum, t) => sum + (t.estimate_minutes ?? 0), 0),
        actualMinutes: Math.round(measured.reduce((sum, t) => sum + t.actual, 0) * 10) / 10,
        meanAbsolutePercentError: meanAbsolutePercentError(measured),
        measuredTasks: measured.length,
      });
    }
    return { teamId, factor: calibration.factor, samples: calibration.samples, guides: rows };
  }

  async #calibration(teamId: string): Promise<Calibration> {
    return calibrationOf(await this.#d.guides.measuredTasks(teamId, CALIBRATION_WINDOW));
  }

  /** Writes the guide row after a task change: content, counts, status, version. */
  async #store<T extends object>(
    guide: LockedGuide,
    tasks: TaskRow[],
    content: string,
    now: number,
    extra: T,
  ): Promise<T & { row: GuideRow; tasks: TaskRow[]; tags: string[] }> {
    const done = tasks.filter(isDone).length;
    const changes = {
      content,
      tasks_done: done,
      tasks_total: tasks.length,
      status: guide.row.status_set ?? derivedStatus(done, tasks.length, tasks.some(isStarted)),
      version: guide.row.version + 1,
      updated_at: now,
    };
    await guide.update(changes);
    return { ...extra, row: { ...guide.row, ...changes }, tasks, tags: await guide.tags() };
  }

  async #announce(row: GuideRow, tags: readonly string[]): Promise<void> {
    await this.#d.events.publish(
      row.team_id,
      { type: "guide.changed", teamId: row.team_id, guide: toGuideSummary(row, tags) },
      `${row.id}:${row.version}`,
    );
  }

  async #view(row: GuideRow, tags?: readonly string[]): Promise<Guide> {
    const [tasks, tagList, calibration] = await Promise.all([
      this.#d.guides.tasks(row.id),
      tags ? Promise.resolve([...tags]) : this.#d.guides.tags(row.id),
      this.#calibration(row.team_id),
    ]);
    return toGuide(row, tagList, tasks, calibration);
  }

  async #visible(id: string, principal: Principal): Promise<GuideRow> {
    const row = await this.#d.guides.find(id);
    if (!row || !sees(principal, row)) throw new AppError("guide.not_found", `No guide ${id}`);
    return row;
  }

  async #changeable(id: string, principal: Principal): Promise<GuideRow> {
    const row = await this.#visible(id, principal);
    if (!can(principal, "guides:write", row.team_id))
      throw new AppError("auth.forbidden", "Changing this guide needs the guides:write permission", {
        details: { permission: "guides:write" },
      });
    return row;
  }

  async #projectOf(projectId: string | null, teamId: string, ctx: RequestContext): Promise<string | null> {
    if (projectId === null) return null;
    try {
      return (await this.#d.projects.inTeam(projectId, teamId, ctx)).id;
    } catch (error) {
      if (error instanceof AppError && error.code === "project.not_found")
        throw new AppError(
          "guide.project_not_in_team",
          `Project ${projectId} is not a project of the guide's team`,
          {
            cause: error,
          },
        );
      throw error;
    }
  }

  async #ownerOf(ownerId: string | null, teamId: string, ctx: RequestContext): Promise<string | null> {
    if (ownerId === null) return null;
    const members = await this.#d.teams.members(teamId, ctx);
    if (!members.some((m) => m.userId === ownerId))
      throw new AppError("validation.failed", "The owner must be a member of the guide's team", {
        details: { issues: [{ location: "body", path: "ownerId", message: "is not a member of the team" }] },
      });
    return ownerId;
  }

  async #audit(ctx: RequestContext, action: string, row: GuideRow, summary: Record<string, unknown>) {
    await this.#d.audit.record({
      ...auditOrigin(ctx),
      action,
      outcome: "success",
      target: { type: "guide", id: row.id },
      teamId: row.team_id,
      summary,
    });
  }
}

/** Members of the guide's team who may read guides there (through a key bound to it, if any). */
function sees(principal: Principal, row: GuideRow): boolean {
  const keyTeam = boundTeam(principal);
  if (keyTeam !== null && keyTeam !== row.team_id) return false;
  return principal.teams.has(row.team_id) && can(principal, "guides:read", row.team_id);
}

/** The teams whose guides `principal` may read (only its key's team, for a team-bound key). */
export function readableTeams(principal: Principal): string[] {
  const keyTeam = boundTeam(principal);
  return teamsWhere(principal, "guides:read").filter((t) => keyTeam === null || t === keyTeam);
}

const isDone = (t: Pick<TaskRow, "done">) => t.done === true || t.done === 1;
const isStarted = (t: Pick<TaskRow, "started_at" | "done">) => t.started_at !== null && !isDone(t);

function assertVersion(row: GuideRow, expected: number | undefined): void {
  if (expected !== undefined && expected !== row.version)
    throw new AppError(
      "guide.version_conflict",
      `The guide is at version ${row.version}, not ${expected}: someone changed it meanwhile`,
      { details: { currentVersion: row.version, expectedVersion: expected } },
    );
}

/** Parses markdown within the limits. @throws AppError `guide.too_large`. */
function parseChecked(content: string): readonly ParsedTask[] {
  if (content.length > MAX_GUIDE_MARKDOWN_CHARS)
    throw new AppError(
      "guide.too_large",
      `A guide holds at most ${MAX_GUIDE_MARKDOWN_CHARS} characters of markdown; this one has ${content.length}`,
      { details: { limit: MAX_GUIDE_MARKDOWN_CHARS, size: content.length } },
    );
  const { tasks } = parseGuide(content);
  if (tasks.length > MAX_GUIDE_TASKS)
    throw new AppError(
      "guide.too_large",
      `A guide holds at most ${MAX_GUIDE_TASKS} tasks; this one has ${tasks.length}`,
      {
        details: { limit: MAX_GUIDE_TASKS, tasks: tasks.length },
      },
    );
  return tasks;
}

/**
 * The task rows of parsed markdown: each continuing an old task (by {@link carryIds}) keeps its
 * id, start, estimate and completion; a box ticked or unticked by the edit gets its completion set
 * or cleared now.
 */
function taskRows(
  guideId: string,
  parsed: readonly ParsedTask[],
  previous: readonly TaskRow[],
  now: number,
  userId: string,
): TaskRow[] {
  const ids = carryIds(
    previous,
    parsed.map((t) => t.text),
  );
  const byId = new Map(previous.map((t) => [t.id, t]));
  const rows: TaskRow[] = [];
  parsed.forEach((task, i) => {
    const old = ids[i] ? byId.get(ids[i]) : undefined;
    const wasDone = old ? isDone(old) : false;
    const completion =
      task.checked === wasDone && old
        ? { completed_at: old.completed_at, completed_by: old.completed_by }
        : task.checked
          ? { completed_at: now, completed_by: userId }
          : { completed_at: null, completed_by: null };
    rows.push({
      id: old?.id ?? newId(),
      guide_id: guideId,
      position: task.index,
      text: task.text,
      depth: task.depth,
      parent_id: null,
      section: JSON.stringify(task.section),
      line: task.line,
      done: task.checked,
      started_at: old?.started_at ?? null,
      ...completion,
      estimate_minutes: old?.estimate_minutes ?? null,
      estimate_low: old?.estimate_low ?? null,
      estimate_high: old?.estimate_high ?? null,
    });
  });
  // Parents by index, once every task has its id.
  parsed.forEach((task, i) => {
    const row = rows[i];
    if (row && task.parentIndex !== null) row.parent_id = rows[task.parentIndex]?.id ?? null;
  });
  return rows;
}

/** The column changes that take a task to `wanted` (and set its estimate). */
function taskChanges(
  task: TaskRow,
  wanted: TaskStatus | undefined,
  estimate: UpdateTaskRequest["estimate"],
  now: number,
  userId: string,
): Partial<TaskRow> {
  const changes: Partial<TaskRow> = {};
  if (estimate !== undefined) {
    changes.estimate_minutes = estimate?.minutes ?? null;
    changes.estimate_low = estimate?.low ?? null;
    changes.estimate_high = estimate?.high ?? null;
  }
  const done = isDone(task);
  if (wanted === "done" && !done)
    Object.assign(changes, { done: true, completed_at: now, completed_by: userId });
  if (wanted === "in_progress") {
    if (done) Object.assign(changes, { done: false, completed_at: null, completed_by: null });
    if (task.started_at === null) changes.started_at = now;
  }
  if (wanted === "open" && (done || task.started_at !== null))
    Object.assign(changes, { done: false, completed_at: null, completed_by: null, started_at: null });
  return changes;
}

function dedupeTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const tag of tags) if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  return [...seen.values()].sort();
}

function decodeGuideCursor(cursor: string): { updatedAt: number; id: string } {
  try {
    const parsed = JSON.parse(decodeCursor(cursor)) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === "number" && typeof parsed[1] === "string")
      return { updatedAt: parsed[0], id: parsed[1] };
  } catch {
    // answered below
  }
  throw new AppError("validation.failed", "Invalid cursor", {
    details: { issues: [{ location: "query", path: "cursor", message: "is not a cursor from this API" }] },
  });
}
