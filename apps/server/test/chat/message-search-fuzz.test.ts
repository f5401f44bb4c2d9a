import type { ConversationSearchHit, Page } from "@parley/contracts";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allTables } from "../all-tables.ts";
import { startHarness, type Harness } from "../parley-harness.ts";
import { createTestPostgres, type TestPostgres } from "../postgres.ts";
import { buildMessage } from "./chat-factories.ts";

/** Every byte of the UTF-8 of `s` percent-encoded (lone surrogates become U+FFFD, as a browser sends them). */
const encodeBytes = (bytes: Uint8Array) =>
  [...bytes].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

/** What FTS5 and tsquery read as syntax, in every arrangement. */
const operatorish = fc
  .array(
    fc.constantFrom(
      '"',
      "*",
      "-",
      "+",
      "^",
      ":",
      "(",
      ")",
      "&",
      "|",
      "!",
      "<->",
      "NEAR",
      "NEAR/2",
      "OR",
      "AND",
      "NOT",
      "'",
      "\\",
      "%",
      "_",
      " ",
      "🦄",
      "é",
      "x",
      "7",
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));

const queries = fc.oneof(
  operatorish,
  fc.string({ unit: "binary", maxLength: 250 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ maxLength: 10_000, minLength: 190 }),
);

describe.each(["sqlite", "postgres"] as const)("message search under random input on %s", (shape) => {
  let h: Harness;
  let pgdb: TestPostgres | undefined;
  let token: string;

  beforeAll(async () => {
    pgdb = shape === "postgres" ? await createTestPostgres() : undefined;
    h = await startHarness(
      pgdb ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "search-fuzz-secret-0123456789abcdef" } : {},
    );
    token = (await h.user("developer")).token;
  }, 60_000);
  afterAll(async () => {
    await h.stop();
    await pgdb?.drop();
  });

  async function search(encodedQ: string) {
    const res = await fetch(`${h.url}/api/v1/conversations/search?q=${encodedQ}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: res.status, body: await res.json() };
  }

  function expectValidHits(page: Page<ConversationSearchHit>) {
    for (const hit of page.items)
      for (const r of hit.highlights) {
        expect(r.start).toBeGreaterThanOrEqual(0);
        expect(r.end).toBeGreaterThan(r.start);
        expect(r.end).toBeLessThanOrEqual(hit.snippet.length);
      }
  }

  it("answers any query with results or a 400 validation.failed, never a 5xx", async () => {
    const conversation = (
      await h.call<{ id: string }>("POST", "/api/v1/conversations", { token, body: { title: "fuzz" } })
    ).body.id;
    await allTables(h.parley.platform.database)
      .insertInto("messages")
      .values(
        ['say "NEAR" or -rf * with a 🦄 x7 é', "x:* & !y | (z) <-> w", "plain words xx yy"].map(
          (content, position) => buildMessage({ conversation_id: conversation, position, content }),
        ),
      )
      .execute();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          queries.map((q) => encodeBytes(Buffer.from(q))),
          fc.uint8Array({ maxLength: 60 }).map(encodeBytes),
        ),
        async (q) => {
          const res = await search(q);
          expect(res.status, q).toBeLessThan(500);
          if (res.status === 200) expectValidHits(res.body as Page<ConversationSearchHit>);
          else
            expect([res.status, (res.body as { error: { code: string } }).error.code], q).toEqual([
              400,
              "validation.failed",
            ]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds a word inside random text and marks it within the snippet", async () => {
    const conversation = (
      await h.call<{ id: string }>("POST", "/api/v1/conversations", { token, body: { title: "fuzz text" } })
    ).body.id;
    let position = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 400 }),
        fc.string({ unit: "grapheme", maxLength: 400 }),
        fc.stringMatching(/^[a-z]{6,12}$/),
        async (before, after, word) => {
          const marker = `qz${word}`;
          const message = buildMessage({
            conversation_id: conversation,
            position: position++,
            content: `${before} ${marker} ${after}`,
          });
          await allTables(h.parley.platform.database).insertInto("messages").values(message).execute();
          const res = await search(encodeURIComponent(marker));
          expect(res.status).toBe(200);
          const page = res.body as Page<ConversationSearchHit>;
          expectValidHits(page);
          const hit = page.items.find((i) => i.message?.id === message.id);
          expect(hit, message.content).toBeDefined();
          expect(hit?.highlights.map((r) => hit.snippet.slice(r.start, r.end).toLowerCase())).toContain(
            marker,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
