import { createHash, randomUUID } from "node:crypto";
import type { Permission } from "@parley/contracts";
import { type Role } from "@parley/contracts";
import { TEAM_PERMISSIONS } from "../../src/kernel/role-permissions.ts";
import type { Harness } from "../parley-harness.ts";
import { buildMessage } from "../chat/chat-factories.ts";
import type { ActorSpec, TeamLabel } from "./access-oracle.ts";
import { sealSecret } from "../../src/platform/sealed-secret.ts";
import { allTables } from "../all-tables.ts";

/** An actor of the matrix with its credential. */
export interface Actor extends ActorSpec {
  /** Bearer token (JWT or `pk_` key); null for anonymous. */
  token: string | null;
  /** The account acting (the key's owner for API keys). */
  userId: string | null;
  /** The acting account's password (the key owner's), for operations that ask for it again. */
  password: string | null;
}

/** Every team permission: what a team admin holds in its team, and the most a team-bound key can. */
const TEAM_ROLE_PERMISSIONS: Permission[] = [...TEAM_PERMISSIONS];

/**
 * The world the matrix runs in: teams A and B, one actor per global role (in no team), one per
 * role held only in team A (global viewers otherwise), a member of team B, and API keys that are
 * narrower than their owners or bound to team A. Built through the API as an admin would, except
 * for fixtures no actor could make itself (a viewer's own conversation), which go straight into
 * the database.
 */
export class AccessWorld {
  readonly h: Harness;
  readonly actors: Actor[] = [];
  readonly teams = new Map<TeamLabel, string>();
  /** Fixture accounts no actor signs in as: a viewer and an admin. */
  readonly accounts = { viewer: "", admin: "" };
  readonly #members = new Map<"A" | "B", [string, Role][]>();
  #builderId = "";
  /** A top-up on the builder's balance that refund cells give back one micro-unit of at a time. */
  topUpId = "";

  constructor(h: Harness) {
    this.h = h;
  }

  async build(): Promise<void> {
    const me = await this.#call<{ user: { id: string } }>("GET", "/api/v1/me");
    this.#builderId = me.user.id;
    this.topUpId = (
      await this.#call<{ id: string }>("POST", "/api/v1/billing/top-ups", {
        body: {
          account: { kind: "user", id: me.user.id },
          amountMicros: 1_000_000_000,
          reason: "refunded by the matrix",
        },
      })
    ).id;
    for (const label of ["A", "B"] as const) this.teams.set(label, await this.#team(`Team ${label}`));
    this.actors.push({
      name: "anonymous",
      globalRole: null,
      teams: {},
      token: null,
      userId: null,
      password: null,
    });
    const roles: Role[] = ["viewer", "developer", "operator", "admin"];
    const users = new Map<string, { id: string; token: string; password: string }>();
    for (const role of roles) {
      const u = await this.h.user(role, `global-${role}`);
      users.set(`global-${role}`, u);
      this.actors.push({
        name: `global ${role}`,
        globalRole: role,
        teams: {},
        token: u.token,
        userId: u.id,
        password: u.password,
      });
    }
    for (const role of roles) {
      const u = await this.h.user("viewer", `team-a-${role}`);
      await this.addMember("A", u.id, role);
      users.set(`team-a-${role}`, u);
      this.actors.push({
        name: `${role} of team A only`,
        globalRole: "viewer",
        teams: { A: role },
        token: u.token,
        userId: u.id,
        password: u.password,
      });
    }
    const b = await this.h.user("viewer", "team-b-member");
    await this.addMember("B", b.id, "developer");
    this.actors.push({
      name: "developer of team B",
      globalRole: "viewer",
      teams: { B: "developer" },
      token: b.token,
      userId: b.id,
      password: b.password,
    });
    this.accounts.viewer = (await this.h.user("viewer", "fixture-viewer")).id;
    this.accounts.admin = (await this.h.user("admin", "fixture-admin")).id;

    const key = async (owner: string, permissions: Permission[], team: "A" | "B" | null) => {
      const u = users.get(owner);
      if (!u) throw new Error(owner);
      const created = await this.#call<{ key: string }>("POST", "/api/v1/api-keys", {
        token: u.token,
        body: { name: `${owner} key`, permissions, ...(team ? { teamId: this.team(team) } : {}) },
      });
      return { token: created.key, userId: u.id, password: u.password };
    };
    const owners: [
      string,
      Role | undefined,
      Partial<Record<"A" | "B", Role>>,
      Permission[],
      "A" | "B" | null,
    ][] = [
      ["global-developer", "developer", {}, ["conversations:read"], null],
      ["team-a-admin", "viewer", { A: "admin" }, TEAM_ROLE_PERMISSIONS, "A"],
      ["global-admin", "admin", {}, TEAM_ROLE_PERMISSIONS, "A"],
    ];
    for (const [owner, globalRole, teams, permissions, team] of owners) {
      const k = await key(owner, permissions, team);
      this.actors.push({
        name: `API key of ${owner} with ${permissions.length === 1 ? permissions[0] : "every team permission"}${team ? ` bound to team ${team}` : ""}`,
        globalRole: globalRole ?? null,
        teams,
        key: { permissions, team },
        token: k.token,
        userId: k.userId,
        password: k.password,
      });
    }
  }

  /** The id of team `label`. */
  team(label: TeamLabel): string {
    const id = this.teams.get(label);
    if (!id) throw new Error(`no team ${label}`);
    return id;
  }

  async addMember(label: "A" | "B", userId: string, role: Role): Promise<void> {
    await this.#call("PUT", `/api/v1/teams/${this.team(label)}/members/${userId}`, { body: { role } });
    this.#members.set(label, [...(this.#members.get(label) ?? []), [userId, role]]);
  }

  /** A throwaway copy of team `label` with the same members (for deleting it). */
  async copyOf(label: "A" | "B"): Promise<string> {
    const id = await this.#team(`Copy of ${label} ${randomUUID().slice(0, 8)}`);
    for (const [userId, role] of this.#members.get(label) ?? [])
      await this.#call("PUT", `/api/v1/teams/${id}/members/${userId}`, { body: { role } });
    return id;
  }

  /** A fresh member (a developer) of the team with id `teamId`, for changing or removing. */
  async member(teamId: string): Promise<string> {
    const u = await this.h.user("viewer", "fixture-member");
    await this.#call("PUT", `/api/v1/teams/${teamId}/members/${u.id}`, { body: { role: "developer" } });
    return u.id;
  }

  /** An open invitation of the team with id `teamId`, made by its builder, for revoking. */
  async invitation(teamId: string): Promise<string> {
    return (
      await this.#call<{ id: string }>("POST", `/api/v1/teams/${teamId}/invitations`, {
        body: { role: "viewer" },
      })
    ).id;
  }

  /** A fresh account with global role `role`, for deleting it. */
  async account(role: Role): Promise<string> {
    return (await this.h.user(role, `fixture-${role}`)).id;
  }

  /**
   * A signed-in session (a refresh-token family) of `userId`, stored straight, as a sign-in in
   * another browser leaves it. Returns its id.
   */
  async session(userId: string): Promise<string> {
    const familyId = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("refresh_tokens")
      .values({
        id: randomUUID(),
        family_id: familyId,
        user_id: userId,
        token_hash: createHash("sha256").update(randomUUID()).digest("hex"),
        created_at: now,
        expires_at: now + 3_600_000,
        used_at: null,
        revoked_at: null,
        ip: "192.0.2.1",
        user_agent: "fixture",
      })
      .execute();
    return familyId;
  }

  /**
   * A conversation with one completed exchange, stored straight in the database: in team
   * `teamId`, or personal to `userId`. Returns it and its answer's id.
   */
  async conversation(owner: {
    userId: string;
    teamId: string | null;
  }): Promise<{ id: string; answer: string }> {
    const db = allTables(this.h.parley.platform.database);
    const id = randomUUID();
    const now = Date.now();
    await db
      .insertInto("conversations")
      .values({
        id,
        user_id: owner.userId,
        team_id: owner.teamId,
        title: "Fixture",
        model: "fake/fake-model",
        created_at: now,
        updated_at: now,
      })
      .execute();
    const question = buildMessage({ conversation_id: id, content: "Hi" });
    const answer = buildMessage({
      conversation_id: id,
      parent_id: question.id,
      position: 1,
      role: "assistant",
      content: "Hello",
      model: "fake/fake-model",
      finish_reason: "stop",
    });
    await db.insertInto("messages").values([question, answer]).execute();
    return { id, answer: answer.id };
  }

  /** A text file sent in conversation `conversation` by `userId`, stored straight (bytes too). */
  async attachment(conversation: { id: string; answer: string }, userId: string): Promise<string> {
    const id = randomUUID();
    const blobKey = `chat-attachments/${userId}/${id}`;
    await this.h.parley.platform.blobs.put(blobKey, Buffer.from("fixture"), { contentType: "text/plain" });
    await allTables(this.h.parley.platform.database)
      .insertInto("chat_attachments")
      .values({
        id,
        user_id: userId,
        conversation_id: conversation.id,
        message_id: conversation.answer,
        name: "fixture.txt",
        media_type: "text/plain",
        size: 7,
        kind: "text",
        blob_key: blobKey,
        text: "fixture",
        truncated: 0,
        copy_of: null,
        created_at: Date.now(),
      })
      .execute();
    return id;
  }

  /** A knowledge base in team `teamId` (or a personal one of `userId`), stored straight. */
  async knowledgeBase(owner: { userId: string; teamId: string | null }): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("knowledge_bases")
      .values({
        id,
        owner_id: owner.userId,
        team_id: owner.teamId,
        name: "Fixture",
        description: "",
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /** A ready document of knowledge base `knowledgeBaseId` (no file behind it), stored straight. */
  async document(knowledgeBaseId: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("knowledge_documents")
      .values({
        id,
        knowledge_base_id: knowledgeBaseId,
        name: "fixture.md",
        media_type: "text/markdown",
        size_bytes: 10,
        sha256: id,
        blob_key: `knowledge/${knowledgeBaseId}/${id}`,
        status: "ready",
        error: null,
        chunk_count: 0,
        content: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /** A team-visible assistant in team `teamId` (or a personal one of `userId`), stored straight. */
  async assistant(owner: { userId: string; teamId: string | null }): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("assistants")
      .values({
        id,
        slug: `fixture-${id}`,
        owner_id: owner.userId,
        team_id: owner.teamId,
        visibility: owner.teamId ? "team" : "private",
        name: "Fixture",
        description: "",
        icon: null,
        instructions: "Be brief.",
        model: null,
        temperature: null,
        max_output_tokens: null,
        starter_prompts: "[]",
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /** A widget of team `teamId` publishing a fresh team assistant, stored straight. */
  async widget(teamId: string): Promise<string> {
    const assistantId = await this.assistant({ userId: this.#builderId, teamId });
    const id = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("widgets")
      .values({
        id,
        team_id: teamId,
        assistant_id: assistantId,
        publisher_id: this.#builderId,
        public_key: `wk_${id}`,
        key_version: 1,
        secret_version: 1,
        name: "Fixture",
        allowed_origins: "[]",
        greeting: "",
        primary_color: "#4f46e5",
        position: "bottom-right",
        mode: "public",
        limits: JSON.stringify({ visitorPerHour: 1, ipPerHour: 1, widgetPerDay: 1 }),
        enabled: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /**
   * A pending approval request of team `teamId` (a call the builder made, held by a rule), stored
   * straight: any actor but the builder may decide it.
   */
  async approval(teamId: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("governance_approvals")
      .values({
        id,
        status: "pending",
        created_at: now,
        expires_at: now + 3_600_000,
        rule_id: randomUUID(),
        rule_version: 1,
        rule_name: "Fixture",
        team_id: teamId,
        project_id: null,
        surface: "chat",
        model: "fake/fake-model",
        requester_id: this.#builderId,
        requester_email: null,
        api_key_id: null,
        request_id: null,
        reason: "fixture",
        matches: "[]",
        preview: "fixture",
        decided_by: null,
        decided_at: null,
        decision_reason: null,
      })
      .execute();
    return id;
  }

  /** A governance rule of team `teamId` at version 1, stored straight. */
  async governanceRule(teamId: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    const db = allTables(this.h.parley.platform.database);
    await db
      .insertInto("governance_rules")
      .values({
        id,
        team_id: teamId,
        name: `Fixture ${id}`,
        current_version: 1,
        enabled: 1,
        created_by: this.#builderId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto("governance_rule_versions")
      .values({
        rule_id: id,
        version: 1,
        spec: JSON.stringify({
          name: `Fixture ${id}`,
          tier: "before",
          scope: {},
          condition: { detectors: [{ type: "keywords", words: ["fixture"] }] },
          action: "warn",
        }),
        created_by: this.#builderId,
        created_at: now,
      })
      .execute();
    return id;
  }

  /** A guide of team `teamId` with one open task, made through the API by the builder's admin. */
  async guide(teamId: string): Promise<{ id: string; taskId: string }> {
    const res = await this.h.call<{ id: string; tasks: { id: string }[] }>("POST", "/api/v1/guides", {
      token: this.h.adminToken,
      body: { teamId, title: "Fixture guide", content: "# Fixture\n- [ ] first task\n- [ ] second task" },
    });
    const taskId = res.body.tasks[0]?.id;
    if (res.status !== 201 || !taskId) throw new Error(`guide fixture: ${res.status}`);
    return { id: res.body.id, taskId };
  }

  /** A guide template of team `teamId`, made through the API. */
  async guideTemplate(teamId: string): Promise<string> {
    const res = await this.h.call<{ id: string }>("POST", "/api/v1/guide-templates", {
      token: this.h.adminToken,
      body: { teamId, name: `Fixture ${randomUUID()}`, title: "Fixture", content: "- [ ] a" },
    });
    if (res.status !== 201) throw new Error(`guide template fixture: ${res.status}`);
    return res.body.id;
  }

  /** A team-wide practice of team `teamId` at version 1, stored straight. */
  async practice(teamId: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    const db = allTables(this.h.parley.platform.database);
    await db
      .insertInto("practices")
      .values({
        id,
        team_id: teamId,
        project_id: null,
        title: `Fixture ${id}`,
        position: 0,
        current_version: 1,
        enabled: 1,
        created_by: this.#builderId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto("practice_versions")
      .values({
        practice_id: id,
        version: 1,
        title: `Fixture ${id}`,
        body: "Fixture practice.",
        created_by: this.#builderId,
        created_at: now,
      })
      .execute();
    return id;
  }
  /**
   * A template of team `teamId` at version 1 (text without variables) with an unprotected
   * `staging` label, and a pending request to move its protected `production` label made by the
   * builder (so that any actor may decide it), stored straight.
   */
  async prompt(teamId: string): Promise<{ id: string; request: string }> {
    const id = randomUUID();
    const request = randomUUID();
    const now = Date.now();
    const db = allTables(this.h.parley.platform.database);
    await db
      .insertInto("prompts")
      .values({
        id,
        team_id: teamId,
        kind: "template",
        slug: `fixture-${id.slice(0, 8)}`,
        name: `Fixture ${id}`,
        description: "",
        current_version: 1,
        created_by: this.#builderId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto("prompt_versions")
      .values({
        prompt_id: id,
        version: 1,
        name: `Fixture ${id}`,
        description: "",
        content: JSON.stringify({ kind: "template", text: "Hello", variables: [] }),
        note: "",
        created_by: this.#builderId,
        created_at: now,
      })
      .execute();
    const split = JSON.stringify([{ version: 1, weight: 100 }]);
    await db
      .insertInto("prompt_labels")
      .values([
        { prompt_id: id, label: "staging", split, protected: 0, updated_by: null, updated_at: now },
        { prompt_id: id, label: "production", split, protected: 1, updated_by: null, updated_at: now },
      ])
      .execute();
    await db
      .insertInto("prompt_label_requests")
      .values({
        id: request,
        prompt_id: id,
        team_id: teamId,
        label: "production",
        split,
        protected: null,
        status: "pending",
        requested_by: this.#builderId,
        requested_with_key: null,
        request_reason: "fixture",
        decided_by: null,
        decision_reason: null,
        decided_at: null,
        created_at: now,
      })
      .execute();
    return { id, request };
  }

  /**
   * A Telegram bot of team `teamId` (on a fresh assistant there), with `token` (one the test's
   * Bot API server knows) sealed as the server seals it, stored straight.
   */
  async telegramBot(teamId: string, token: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    const assistantId = await this.assistant({ userId: this.#builderId, teamId });
    const platform = this.h.parley.platform;
    await allTables(platform.database)
      .insertInto("telegram_bots")
      .values({
        id,
        team_id: teamId,
        assistant_id: assistantId,
        telegram_id: Number(token.split(":")[0]),
        username: `fixture_${id.slice(0, 8)}_bot`,
        name: "Fixture",
        token_sealed: sealSecret(token, platform.secrets.key("encryption"), `telegram-bot:${id}`),
        mode: "webhook",
        status: "ok",
        status_reason: null,
        last_update_at: null,
        poll_offset: 0,
        created_by: this.#builderId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return id;
  }

  /** A project of team `teamId`, stored straight. */
  /** Team `teamId`'s daily budget, made unless a cell before deleted it. */
  async budget(teamId: string): Promise<string> {
    const tables = allTables(this.h.parley.platform.database);
    const now = Date.now();
    await tables
      .insertInto("billing_budgets")
      .values({
        id: randomUUID(),
        scope_kind: "team",
        scope_id: teamId,
        team_id: teamId,
        period: "day",
        per: "",
        limit_micros: 1_000_000,
        created_by: this.#builderId,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(["scope_kind", "scope_id", "period", "per"]).doNothing())
      .execute();
    const row = await tables
      .selectFrom("billing_budgets")
      .select("id")
      .where("scope_kind", "=", "team")
      .where("scope_id", "=", teamId)
      .where("period", "=", "day")
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async project(teamId: string): Promise<string> {
    const id = randomUUID();
    const now = Date.now();
    await allTables(this.h.parley.platform.database)
      .insertInto("projects")
      .values({
        id,
        team_id: teamId,
        name: `Fixture ${id}`,
        slug: `fixture-${id}`,
        description: "",
        repository_url: null,
        created_by: this.#builderId,
        created_at: now,
        updated_at: now,
        archived_at: null,
      })
      .execute();
    return id;
  }

  /** An unbound API key of `userId`, stored straight in the database (its secret is never used). */
  /** An API key of `userId`'s, bound to team `teamId` when given. */
  async apiKey(userId: string, teamId: string | null = null): Promise<string> {
    const id = randomUUID();
    await allTables(this.h.parley.platform.database)
      .insertInto("api_keys")
      .values({
        id,
        user_id: userId,
        team_id: teamId,
        name: "fixture",
        key_hash: createHash("sha256").update(id).digest("hex"),
        permissions: JSON.stringify(["profile:read"]),
        created_at: Date.now(),
        expires_at: null,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    return id;
  }

  /** The builder's own id (the first admin: a member and admin of both teams). */
  get builderId(): string {
    return this.#builderId;
  }

  async #team(name: string): Promise<string> {
    return (await this.#call<{ id: string }>("POST", "/api/v1/teams", { body: { name } })).id;
  }

  async #call<T>(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
    const res = await this.h.call<T>(method, path, {
      token: options.token ?? this.h.adminToken,
      ...("body" in options ? { body: options.body } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }
}
