import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/fake-upstream.ts";
import { fakeProviders, startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { cleanupNamespace, testServices, uniqueId } from "../services.ts";
import { expected, type Expected, type ResourceRule, type Scope } from "./access-oracle.ts";
import { AccessWorld, type Actor } from "./access-world.ts";
import { operationsOf, sampleOf, type Document, type Operation } from "./openapi-operations.ts";
import { startFakeBotApi, type FakeBotApi } from "../telegram/fake-bot-api.ts";

/**
 * The access matrix, generated: every operation of the OpenAPI document (so a new route is in
 * it without editing this file) × every actor of {@link AccessWorld} × every place its resource
 * can be (team A, team B, one's own, someone else's, global, unknown), each answer checked
 * against the expected table of `access-oracle.ts`: no cross-team read or write, no escalation,
 * 404 (not 403) for what the caller cannot see, 404 for unknown ids, never a 500. Both shapes.
 */

/** How the resource named by an operation's path is treated, by its collection. */
const COLLECTIONS: Record<string, ResourceRule> = {
  teams: "team",
  users: "account",
  "api-keys": "api-key",
  // One's own sessions (`/me/sessions/{id}`).
  me: "session",
  providers: "global",
  models: "global",
  conversations: "private",
  messages: "private",
  // A file sent in a conversation: whoever may read the conversation (and its sender).
  attachments: "private",
  assistants: "assistant",
  "knowledge-bases": "private",
  projects: "project",
  // Fixtures are team rules; organisation-wide ones are covered in test/governance.
  governance: "project",
  // Always a team's (fixtures are team-wide ones).
  practices: "project",
  // A team's prompts, and the label change requests on them: its members only, as projects.
  prompts: "project",
  "prompt-label-requests": "project",
  // Always a team's, its members only (global admins outside the team included), as projects.
  guides: "project",
  "guide-templates": "project",
  // Budgets by id (fixtures are team budgets): the team's admins, and global admins.
  billing: "team",
  // A team's bots: its members with telegram:read (manage to change), and global admins.
  "telegram-bots": "team",
  // Always a team's, its members only (global admins outside the team included), as projects.
  widgets: "project",
};

/** Operations on one resource treated otherwise than their collection. */
const OPERATION_RULES: Record<string, ResourceRule> = {
  // A copy needs to see the original and to create where it goes (the same place): no manage.
  "POST /api/v1/assistants/{id}/duplicate": "private",
};

/** Collection operations that act in one place rather than listing what the caller may see. */
const COLLECTION_RULES: Record<string, ResourceRule> = {
  "POST /api/v1/teams": "global",
  "POST /api/v1/users": "global",
  "POST /api/v1/providers": "global",
  "POST /api/v1/providers/test": "global",
  "GET /api/v1/audit/verify": "global",
  "POST /api/v1/conversations": "caller-private",
  "POST /api/v1/assistants": "caller-private",
  "POST /api/v1/knowledge-bases": "caller-private",
  // Without a team: an organisation-wide rule, a global governance:manage.
  "POST /api/v1/governance/rules": "global",
  "POST /api/v1/governance/rules/recommended": "global",
  // Money is credited by global admins only; the fixtures' budgets are on a person (global).
  "POST /api/v1/billing/top-ups": "global",
  "POST /api/v1/billing/adjustments": "global",
  "POST /api/v1/billing/budgets": "global",
  // Refunds and everyone's balances: global admins only, as top-ups.
  "POST /api/v1/billing/refunds": "global",
  "GET /api/v1/billing/accounts": "global",
  "POST /v1/chat/completions": "caller",
  "POST /v1/embeddings": "caller",
};

/** How a `teamId` in the query or body is treated, by path (default: `team-ref`). */
const TEAM_REF_RULES: Record<string, ResourceRule> = {
  "/api/v1/conversations": "private",
  "/api/v1/conversations/search": "private",
  "/api/v1/assistants": "private",
  "/api/v1/knowledge-bases": "private",
  "/api/v1/projects": "private",
  "/api/v1/governance/rules": "private",
  "/api/v1/governance/rules/recommended": "private",
  "/api/v1/governance/dry-run": "private",
  "/api/v1/governance/decisions": "private",
  "/api/v1/governance/decisions/summary": "private",
  "/api/v1/governance/approvals": "private",
  "/api/v1/practices": "private",
  "/api/v1/prompts": "private",
  "/api/v1/prompt-label-requests": "private",
  "/api/v1/guides": "private",
  "/api/v1/guides/draft": "private",
  "/api/v1/guides/analyze": "private",
  "/api/v1/guides/estimate-report": "private",
  "/api/v1/guides/events": "private",
  "/api/v1/guide-templates": "private",
  "/api/v1/api-keys": "team",
  // A team's balance and ledger: its members with billing:read there, and global admins.
  "/api/v1/billing/balance": "team",
  "/api/v1/billing/transactions": "team",
  "/api/v1/access/explain": "team",
  "/api/v1/widgets": "private",
};

/** Query or body fields that name a team, and how a team id is written in each. */
const TEAM_REF_FIELDS: Record<string, (teamId: string) => string> = {
  teamId: (id) => id,
  resource: (id) => `team:${id}`,
};

/** Collection operations that always name a team: no cell without one (its `teamId` cells cover it). */
const TEAM_REQUIRED = new Set([
  "POST /api/v1/projects",
  "POST /api/v1/practices",
  "POST /api/v1/prompts",
  "POST /api/v1/guides",
  "POST /api/v1/guides/draft",
  "POST /api/v1/guides/analyze",
  "GET /api/v1/guides/estimate-report",
  "GET /api/v1/guides/events",
  "POST /api/v1/guide-templates",
  "POST /api/v1/widgets",
]);

/**
 * Collection operations that name their team through an assistant of the body (`assistantId`):
 * one cell per place the assistant is, treated as the assistant's visibility and the permission
 * in its team decide (members only, global admins included).
 */
const ASSISTANT_REF = new Set(["POST /api/v1/telegram-bots"]);

/**
 * Collection operations that name their team through the resource a budget is set on (a widget,
 * a bot, an assistant, a team-bound API key; ADR 0037): one cell per place that resource is,
 * treated as a team's (its admins with budgets:manage there, and global admins).
 */
const BUDGET_SCOPE_REF = new Set(["POST /api/v1/billing/budgets"]);

/** Which kind of team resource the next budget cell names: each kind in turn. */
let budgetScopeTurn = 0;

/** Operations an API key may never perform, whatever it holds. */
const SESSION_ONLY = new Set([
  "POST /api/v1/api-keys",
  // One's own account: a leaked key must not lock its owner out or keep itself signed in.
  "PATCH /api/v1/me",
  "POST /api/v1/me/password",
  "GET /api/v1/me/sessions",
  "POST /api/v1/me/sessions/sign-out-others",
  "DELETE /api/v1/me/sessions/{id}",
  // Approvals are a person's decision.
  "POST /api/v1/prompt-label-requests/{requestId}/approve",
  "POST /api/v1/prompt-label-requests/{requestId}/deny",
  "POST /api/v1/governance/approvals/{id}/approve",
  "POST /api/v1/governance/approvals/{id}/deny",
]);

/** Bodies the schema alone cannot make meaningful (a model that exists, a reachable provider). */
function exampleBody(op: Operation, fake: FakeUpstream, world: AccessWorld): unknown {
  switch (`${op.method} ${op.path}`) {
    case "POST /api/v1/billing/top-ups":
      return { account: { kind: "user", id: world.builderId }, amountMicros: 1, reason: "matrix" };
    case "POST /api/v1/billing/adjustments":
      return { account: { kind: "user", id: world.builderId }, amountMicros: -1, reason: "matrix" };
    // One micro-unit of the world's top-up, each cell with its own key.
    case "POST /api/v1/billing/refunds":
      return {
        transactionId: world.topUpId,
        amountMicros: 1,
        reason: "matrix",
        idempotencyKey: randomUUID(),
      };
    // A person's budget: one per scope and period, so each cell its own person id.
    case "POST /api/v1/billing/budgets":
      return { scope: { kind: "user", id: randomUUID() }, period: "day", limitMicros: 1000 };
    case "PATCH /api/v1/billing/budgets/{id}":
      return { limitMicros: 2000 };
    case "PATCH /api/v1/telegram-bots/{id}":
      return { mode: "webhook" };
    case "POST /v1/chat/completions":
      return { model: "fake/fake-model", messages: [{ role: "user", content: "hi" }] };
    case "POST /v1/embeddings":
      return { model: "fake/fake-model", input: "hi" };
    case "POST /api/v1/providers":
      return providerBody(fake);
    case "POST /api/v1/providers/test":
      return { type: "openai-compatible", baseURL: `${fake.url}/v1` };
    // Names are unique in a team: each cell creates its own.
    case "POST /api/v1/projects":
      return { name: `Project ${randomUUID().slice(0, 8)}` };
    case "POST /api/v1/governance/rules":
      return { spec: RULE_SPEC };
    // Each cell's fixture is at version 1.
    case "PUT /api/v1/governance/rules/{id}":
      return { expectedVersion: 1, spec: RULE_SPEC };
    case "PATCH /api/v1/governance/rules/{id}":
      return { enabled: false };
    case "POST /api/v1/practices":
      return { title: "Fixture", body: "Keep it short." };
    case "PUT /api/v1/practices/{id}":
      return { expectedVersion: 1, title: "Fixture", body: "Keep it shorter." };
    case "PATCH /api/v1/practices/{id}":
      return { enabled: false };
    case "POST /api/v1/practices/{id}/move":
      return { direction: "up" };
    case "POST /api/v1/governance/dry-run":
      return { text: "Mail ann@example.org" };
    case "POST /api/v1/prompts":
      return { name: `Prompt ${randomUUID().slice(0, 8)}`, content: { kind: "template", text: "Hi" } };
    // Each cell's fixture is a template at version 1.
    case "PUT /api/v1/prompts/{id}":
      return { expectedVersion: 1, content: { kind: "template", text: "Hi again" } };
    case "PUT /api/v1/prompts/{id}/labels/{label}":
      return { version: 1 };
    case "POST /api/v1/guides":
      return { title: "Fixture guide", content: "- [ ] one\n- [ ] two" };
    case "PATCH /api/v1/guides/{id}":
      return { title: "Renamed guide" };
    case "PATCH /api/v1/guides/{id}/tasks/{taskId}":
      return { done: true };
    case "POST /api/v1/guides/{id}/estimate":
      return {};
    case "POST /api/v1/guides/draft":
      return { description: "Add CSV export" };
    case "POST /api/v1/guides/analyze":
      return { code: "function f() {}" };
    // Names are unique in a team: each cell creates its own.
    case "POST /api/v1/guide-templates":
      return { name: `Template ${randomUUID().slice(0, 8)}`, title: "T", content: "- [ ] a" };
    // The assistant is the cell's team's (filled in by `prepare`).
    case "POST /api/v1/widgets":
      return { name: "Matrix widget", assistantId: randomUUID(), allowedOrigins: ["https://shop.example"] };
    case "PATCH /api/v1/widgets/{id}":
      return { greeting: "Hello" };
    case "PATCH /api/v1/guide-templates/{id}":
      return { name: `Template ${randomUUID().slice(0, 8)}` };
    case "POST /api/v1/attachments": {
      const form = new FormData();
      form.append("file", new Blob(["Hello."]), "notes.txt");
      return form;
    }
    case "POST /api/v1/knowledge-bases/{id}/documents": {
      const form = new FormData();
      form.append("file", new Blob(["# Notes\n\nHello."]), "notes.md");
      return form;
    }
    default:
      return undefined;
  }
}

/** A valid governance rule spec. */
const RULE_SPEC = {
  name: "No e-mail",
  tier: "before",
  scope: {},
  condition: { detectors: [{ type: "pii", kinds: ["email"] }] },
  action: "redact",
};

function providerBody(fake: FakeUpstream): unknown {
  const id = `p${randomUUID().slice(0, 8)}`;
  return { id, type: "openai-compatible", baseURL: `${fake.url}/v1`, models: [`${id}-model`] };
}

interface Cell {
  op: Operation;
  rule: ResourceRule;
  scope: Scope;
  label: string;
}

/** The places an operation's resource can be, with the rule that applies. */
function cellsOf(op: Operation): Cell[] {
  const key = `${op.method} ${op.path}`;
  const collection = /^\/(?:api\/)?v1\/([^/]+)/.exec(op.path)?.[1] ?? "";
  const make = (rule: ResourceRule, scopes: Scope[]) =>
    scopes.map((scope) => ({ op, rule, scope, label: labelOf(scope) }));
  if (op.pathParams.length > 0) {
    const rule = OPERATION_RULES[key] ?? COLLECTIONS[collection];
    if (!rule)
      throw new Error(`${key}: add its collection "${collection}" to the access matrix's COLLECTIONS`);
    const scopes: Record<ResourceRule, Scope[]> = {
      team: [team("A"), team("B"), { kind: "unknown" }],
      private: [team("A"), team("B"), { kind: "own" }, { kind: "other" }, { kind: "unknown" }],
      assistant: [team("A"), team("B"), { kind: "own" }, { kind: "other" }, { kind: "unknown" }],
      project: [team("A"), team("B"), { kind: "unknown" }],
      account: [
        { kind: "own" },
        { kind: "user", rank: "viewer" },
        { kind: "user", rank: "admin" },
        { kind: "unknown" },
      ],
      "api-key": [{ kind: "own" }, { kind: "other" }, { kind: "unknown" }],
      session: [{ kind: "own" }, { kind: "other" }, { kind: "unknown" }],
      global: [{ kind: "global" }, { kind: "unknown" }],
      caller: [],
      "caller-private": [],
      anywhere: [],
      "team-ref": [],
    };
    return make(rule, scopes[rule]);
  }
  if (ASSISTANT_REF.has(key)) return make("project", [team("A"), team("B"), { kind: "unknown" }]);
  // A person's budget (global), and one on a resource of team A, of team B, or of no one.
  if (BUDGET_SCOPE_REF.has(key))
    return [
      ...make("global", [{ kind: "none" }]),
      ...make("team", [team("A"), team("B"), { kind: "unknown" }]),
    ];
  const teamRef = teamRefField(op) !== null;
  const base = TEAM_REQUIRED.has(key) ? [] : make(COLLECTION_RULES[key] ?? "anywhere", [{ kind: "none" }]);
  if (!teamRef) return base;
  const rule = TEAM_REF_RULES[op.path] ?? "team-ref";
  return [...base, ...make(rule, [team("A"), team("B"), { kind: "unknown" }])];
}

const team = (label: "A" | "B"): Scope => ({ kind: "team", team: label });

/** The query or body field through which an operation names a team, if it has one. */
function teamRefField(op: Operation): { name: string; in: "query" | "body" } | null {
  for (const name of Object.keys(TEAM_REF_FIELDS)) {
    if (op.queryParams.some((p) => p.name === name)) return { name, in: "query" };
    if (Object.hasOwn(op.body?.properties ?? {}, name)) return { name, in: "body" };
  }
  return null;
}
const labelOf = (scope: Scope): string =>
  scope.kind === "team"
    ? `team ${scope.team}`
    : scope.kind === "user"
      ? `a global ${scope.rank}`
      : scope.kind;

/** Status codes and error codes each expectation accepts. */
function matches(outcome: Expected, status: number, code: string | undefined): boolean {
  switch (outcome) {
    case "unauthenticated":
      return status === 401 && code === "auth.required";
    case "forbidden":
      return status === 403 && code === "auth.forbidden";
    case "hidden":
      return status === 404 && (code?.endsWith("not_found") ?? false);
    case "allowed":
      return status < 400 || (status === 409 && code === "resource.conflict");
  }
}

/**
 * The access matrix of one shape, as its own test file (`access-matrix-<shape>.test.ts`) so that
 * the two shapes run side by side.
 */
export function accessMatrixSuite(shape: "embedded" | "distributed"): void {
  describe(`access matrix (${shape})`, () => {
    let fake: FakeUpstream;
    let tg: FakeBotApi;
    let h: Harness;
    let world: AccessWorld;
    let doc: Document;
    let database: TestPostgres | null = null;
    const namespace = uniqueId("acl");

    beforeAll(async () => {
      fake = await startFakeUpstream({ chunks: 2 });
      tg = await startFakeBotApi();
      database = shape === "distributed" ? await createTestPostgres() : null;
      const limits = { apiPerMinute: 1_000_000, aiPerMinute: 1_000_000 };
      h = await startHarness({
        PARLEY_PROVIDERS: fakeProviders(fake.url),
        PARLEY_TELEGRAM_API_URL: tg.url,
        PARLEY_RATE_LIMITS: JSON.stringify({
          admin: limits,
          operator: limits,
          developer: limits,
          viewer: limits,
        }),
        ...(database
          ? {
              PARLEY_DATABASE_URL: database.url,
              PARLEY_NATS_URL: testServices.natsUrl,
              PARLEY_REDIS_URL: testServices.redisUrl,
              PARLEY_NAMESPACE: namespace,
              PARLEY_SECRET_KEY: "access-matrix-secret-key-0123456789abcdef",
            }
          : {}),
      });
      world = new AccessWorld(h);
      await world.build();
      doc = (await h.call<Document>("GET", "/api/openapi.json")).body;
    }, 120_000);
    afterAll(async () => {
      await h.stop();
      await fake.close();
      await tg.close();
      if (database) {
        await database.drop();
        await cleanupNamespace(namespace);
      }
    });

    it("reads every operation's permission from the OpenAPI document", () => {
      const operations = operationsOf(doc);
      expect(operations.length).toBeGreaterThan(40);
      const declared = h.parley.app.parleyRoutes
        // Preflights (the widget API's CORS) are not operations.
        .filter((r) => r.method !== "HEAD" && r.method !== "OPTIONS" && /^\/(api\/)?v1\//.test(r.url))
        .map((r) => `${String(r.method)} ${r.url.replace(/:(\w+)/g, "{$1}")}`);
      const documented = new Set(operations.map((o) => `${o.method} ${o.path}`));
      expect(declared.filter((route) => !documented.has(route))).toEqual([]);
    });

    it("answers public operations without a 5xx", async () => {
      const failures: string[] = [];
      for (const op of operationsOf(doc).filter((o) => o.permission === "public")) {
        const path = op.path.replace(/\{(\w+)\}/g, () => "x".repeat(43));
        const res = await send(h, op.method, path, null, op.body ? sampleOf(doc, op.body) : undefined);
        if (res.status >= 500) failures.push(`${op.method} ${path} → ${res.status}`);
      }
      expect(failures).toEqual([]);
    });

    it.each([
      "anonymous",
      "global viewer",
      "global developer",
      "global operator",
      "global admin",
      "viewer of team A only",
      "developer of team A only",
      "operator of team A only",
      "admin of team A only",
      "developer of team B",
      "API key of global-developer with conversations:read",
      "API key of team-a-admin with every team permission bound to team A",
      "API key of global-admin with every team permission bound to team A",
    ])("gives %s exactly what the access table says, on every operation", async (name) => {
      const actor = world.actors.find((a) => a.name === name);
      if (!actor) throw new Error(`no actor ${name}: ${world.actors.map((a) => a.name).join(", ")}`);
      const mismatches: string[] = [];
      const ops = operationsOf(doc).filter((o) => o.permission !== "public");
      for (const op of ops) {
        for (const cell of cellsOf(op)) {
          const request = await prepare(world, fake, tg, doc, actor, cell);
          const want: Expected =
            actor.key && SESSION_ONLY.has(`${op.method} ${op.path}`) && actor.globalRole
              ? "forbidden"
              : expected(actor, op.permission, cell.rule, request.scope);
          const res = await send(h, op.method, request.url, actor.token, request.body);
          if (!matches(want, res.status, res.code))
            mismatches.push(
              `${op.method} ${op.path} on ${cell.label}: expected ${want}, got ${res.status} ${res.code ?? ""} ${res.message ?? ""}`,
            );
        }
      }
      expect(mismatches).toEqual([]);
    });
  });
}

interface Prepared {
  url: string;
  body: unknown;
  /** Where the resource really is (a copied team is not its members' keys' team). */
  scope: Scope;
}

/** Fills in the operation's path, query and body for one cell, making fresh fixtures to change. */
async function prepare(
  world: AccessWorld,
  fake: FakeUpstream,
  tg: FakeBotApi,
  doc: Document,
  actor: Actor,
  cell: Cell,
): Promise<Prepared> {
  const { op, scope } = cell;
  let teamId: string | null = null;
  if (scope.kind === "team") {
    teamId = world.team(scope.team);
    // Deleting a team would take it from every later cell: delete a copy with the same members.
    if (op.method === "DELETE" && op.path === "/api/v1/teams/{id}") {
      teamId = await world.copyOf(scope.team === "A" ? "A" : "B");
      cell = { ...cell, scope: { kind: "team", team: scope.team === "A" ? "A'" : "B'" } };
    }
  }
  const ids: Record<string, string> = {};
  // Valid in form for every id parameter (provider ids allow 32 lowercase characters at most).
  const unknown = randomUUID().replace(/-/g, "");
  const ownerId = actor.userId ?? world.builderId;
  const rule = cell.rule;
  if (op.pathParams.length > 0) {
    const first = op.pathParams[0] ?? "id";
    if (scope.kind === "unknown") {
      for (const p of op.pathParams) ids[p] = unknown;
    } else if (op.path.startsWith("/api/v1/telegram-bots/") && teamId) {
      ids[first] = await world.telegramBot(teamId, tg.addBot("fixture_bot"));
    } else if (op.path.startsWith("/api/v1/billing/budgets/") && teamId) {
      ids[first] = await world.budget(teamId);
    } else if (rule === "team" && teamId) {
      ids[first] = teamId;
      if (op.pathParams.includes("userId")) ids.userId = await world.member(teamId);
      if (op.pathParams.includes("invitationId")) ids.invitationId = await world.invitation(teamId);
    } else if (op.path.startsWith("/api/v1/knowledge-bases/")) {
      ids[first] = await world.knowledgeBase(
        scope.kind === "team"
          ? { userId: world.builderId, teamId }
          : { userId: scope.kind === "own" ? ownerId : world.builderId, teamId: null },
      );
      if (op.pathParams.includes("documentId")) ids.documentId = await world.document(ids[first]);
    } else if (op.path.startsWith("/api/v1/projects/") && teamId) {
      ids[first] = await world.project(teamId);
    } else if (op.path.startsWith("/api/v1/governance/approvals/") && teamId) {
      ids[first] = await world.approval(teamId);
    } else if (op.path.startsWith("/api/v1/governance/rules/") && teamId) {
      ids[first] = await world.governanceRule(teamId);
      if (op.pathParams.includes("version")) ids.version = "1";
    } else if (op.path.startsWith("/api/v1/guides/") && teamId) {
      const fixture = await world.guide(teamId);
      ids[first] = fixture.id;
      if (op.pathParams.includes("taskId")) ids.taskId = fixture.taskId;
    } else if (op.path.startsWith("/api/v1/widgets/") && teamId) {
      ids[first] = await world.widget(teamId);
    } else if (op.path.startsWith("/api/v1/guide-templates/") && teamId) {
      ids[first] = await world.guideTemplate(teamId);
    } else if (op.path.startsWith("/api/v1/practices/") && teamId) {
      ids[first] = await world.practice(teamId);
      if (op.pathParams.includes("version")) ids.version = "1";
    } else if (
      (op.path.startsWith("/api/v1/prompts/") || op.path.startsWith("/api/v1/prompt-label-requests/")) &&
      teamId
    ) {
      const fixture = await world.prompt(teamId);
      ids[first] = op.path.startsWith("/api/v1/prompts/") ? fixture.id : fixture.request;
      if (op.pathParams.includes("version")) ids.version = "1";
      if (op.pathParams.includes("label")) ids.label = "staging";
    } else if (op.path.startsWith("/api/v1/assistants/")) {
      ids[first] = await world.assistant(
        scope.kind === "team"
          ? { userId: world.builderId, teamId }
          : { userId: scope.kind === "own" ? ownerId : world.builderId, teamId: null },
      );
    } else if (rule === "private") {
      const conversation = await world.conversation(
        scope.kind === "team"
          ? { userId: world.builderId, teamId }
          : { userId: scope.kind === "own" ? ownerId : world.builderId, teamId: null },
      );
      ids[first] = op.path.startsWith("/api/v1/messages/")
        ? conversation.answer
        : op.path.startsWith("/api/v1/attachments/")
          ? await world.attachment(
              conversation,
              scope.kind === "team" ? world.builderId : scope.kind === "own" ? ownerId : world.builderId,
            )
          : conversation.id;
      if (op.pathParams.includes("messageId")) ids.messageId = conversation.answer;
    } else if (rule === "account") {
      ids[first] =
        scope.kind === "own"
          ? ownerId
          : scope.kind === "user"
            ? // Deleting an account would take it from every later cell: delete a fresh one.
              op.method === "DELETE"
              ? await world.account(scope.rank)
              : world.accounts[scope.rank === "admin" ? "admin" : "viewer"]
            : unknown;
    } else if (rule === "session") {
      ids[first] = await world.session(scope.kind === "own" ? ownerId : world.builderId);
    } else if (rule === "api-key") {
      ids[first] = await world.apiKey(scope.kind === "own" ? ownerId : world.builderId);
    } else if (rule === "global") {
      if (op.path.startsWith("/api/v1/models/"))
        Object.assign(ids, { provider: "fake", model: "fake-model" });
      else {
        const created = providerBody(fake) as { id: string };
        await world.h.call("POST", "/api/v1/providers", { token: world.h.adminToken, body: created });
        ids[first] = created.id;
      }
    }
  }
  const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name] ?? unknown));
  const query = new URLSearchParams();
  for (const p of op.queryParams) if (p.required) query.set(p.name, String(sampleOf(doc, p.schema)));
  const refTeam = scope.kind === "unknown" && op.pathParams.length === 0 ? unknown : teamId;
  const field = op.pathParams.length === 0 && refTeam ? teamRefField(op) : null;
  const refValue = field && refTeam ? (TEAM_REF_FIELDS[field.name] ?? String)(refTeam) : null;
  if (field?.in === "query" && refValue) query.set(field.name, refValue);
  let body: unknown =
    exampleBody(op, fake, world) ??
    // The current password, set again: the change itself is what the cell exercises.
    (`${op.method} ${op.path}` === "POST /api/v1/me/password" && actor.password
      ? { currentPassword: actor.password, newPassword: actor.password }
      : undefined) ??
    (op.body ? sampleOf(doc, op.body) : undefined);
  if (field?.in === "body" && refValue && body && typeof body === "object")
    body = { ...body, [field.name]: refValue };
  if (ASSISTANT_REF.has(`${op.method} ${op.path}`))
    body = {
      assistantId: teamId ? await world.assistant({ userId: world.builderId, teamId }) : unknown,
      token: tg.addBot("matrix_bot"),
      mode: "webhook",
    };
  if (BUDGET_SCOPE_REF.has(`${op.method} ${op.path}`) && scope.kind !== "none")
    body = { scope: await budgetScope(world, tg, teamId, unknown), period: "day", limitMicros: 1000 };
  // A widget publishes an assistant of its own team.
  if (`${op.method} ${op.path}` === "POST /api/v1/widgets" && teamId && body && typeof body === "object")
    body = { ...body, assistantId: await world.assistant({ userId: world.builderId, teamId }) };
  return { url: query.size ? `${path}?${query.toString()}` : path, body, scope: cell.scope };
}

/** A fresh widget, bot, assistant or API key of team `teamId` (each kind in turn), or an unknown one. */
async function budgetScope(
  world: AccessWorld,
  tg: FakeBotApi,
  teamId: string | null,
  unknown: string,
): Promise<{ kind: string; id: string }> {
  const kinds = ["widget", "bot", "assistant", "api_key"] as const;
  const kind = kinds[budgetScopeTurn++ % kinds.length] ?? "widget";
  if (!teamId) return { kind, id: unknown };
  switch (kind) {
    case "widget":
      return { kind, id: await world.widget(teamId) };
    case "bot":
      return { kind, id: await world.telegramBot(teamId, tg.addBot("budget_bot")) };
    case "assistant":
      return { kind, id: await world.assistant({ userId: world.builderId, teamId }) };
    case "api_key":
      return { kind, id: await world.apiKey(world.builderId, teamId) };
  }
}

/** One request; an event stream is closed as soon as its status is known. */
async function send(
  h: Harness,
  method: string,
  path: string,
  token: string | null,
  body: unknown,
): Promise<{ status: number; code: string | undefined; message?: string }> {
  const controller = new AbortController();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  const multipart = body instanceof FormData;
  if (body !== undefined && !multipart) headers["content-type"] = "application/json";
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers,
    signal: controller.signal,
    ...(body !== undefined ? { body: multipart ? body : JSON.stringify(body) } : {}),
  });
  if (res.headers.get("content-type")?.includes("text/event-stream")) {
    controller.abort();
    return { status: res.status, code: undefined };
  }
  const text = await res.text();
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    return { status: res.status, code: error?.code, ...(error?.message ? { message: error.message } : {}) };
  } catch {
    return { status: res.status, code: undefined };
  }
}
