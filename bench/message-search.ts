/**
 * Message search (`GET /api/v1/conversations/search`, ADR 0033) at 10k and 100k messages, on
 * SQLite (FTS5) and PostgreSQL (GIN expression index). Parley runs embedded in this process; the
 * messages are seeded straight into its database (through the index triggers on SQLite) for 100
 * people, 20 messages a conversation, from a fixed Zipf-like vocabulary of 2,000 words and code
 * identifiers (seeded random numbers: every run writes the same text). One of them searches, one
 * request at a time over HTTP: a rare word, a common word (in most messages of everyone: the
 * worst case, since every match is ranked before the access filter leaves ~1% of them), two words,
 * and a 3-letter prefix; 40 requests each after 5 warm-up ones.
 * Run: `npm run bench:message-search` (SIZES=10000,100000 DIALECTS=sqlite,postgres). Prints a
 * Markdown table for bench/README.md.
 */
import { sql } from "kysely";
import { randomUUID } from "node:crypto";
import { allTables } from "../apps/server/test/all-tables.ts";
import { buildMessage } from "../apps/server/test/chat/chat-factories.ts";
import { createTestPostgres } from "../apps/server/test/postgres.ts";
import { startWebParley } from "../apps/server/test/web-support.ts";
import { loadAverage, machineLine } from "./lib/proc.ts";
import { fmt, percentile } from "./lib/stats.ts";

const SIZES = (process.env.SIZES ?? "10000,100000").split(",").map(Number);
const DIALECTS = (process.env.DIALECTS ?? "sqlite,postgres").split(",") as ("sqlite" | "postgres")[];
const PEOPLE = 100;
const PER_CONVERSATION = 20;
const RUNS = 40;
const WARMUP = 5;

/** A seeded generator (mulberry32), so that every run stores the same text. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rnd = random(17);
const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "ta",
  "vo",
  "shi",
  "pe",
  "dra",
  "qu",
  "xen",
  "bo",
  "fi",
  "gu",
];
const VOCABULARY = Array.from({ length: 2000 }, (_, i) => {
  const word = Array.from(
    { length: 2 + (i % 3) },
    () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)],
  ).join("");
  // Every tenth a code identifier.
  return i % 10 === 9 ? `${word}_${i}` : `${word}${i}`;
});
// Zipf-like: word i drawn with weight 1 / (i + 1); "the" stands for the commonest.
VOCABULARY[0] = "the";
VOCABULARY[1500] = "zebraquartz";
const weights = VOCABULARY.map((_, i) => 1 / (i + 1));
const cumulative: number[] = [];
weights.reduce((sum, w) => (cumulative.push(sum + w), sum + w), 0);
const total = cumulative.at(-1) ?? 1;
function word(): string {
  const x = rnd() * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo] ?? "the";
}
const text = (words: number) => Array.from({ length: words }, word).join(" ");

const QUERIES: [string, string][] = [
  ["rare word", "zebraquartz"],
  ["common word", "the"],
  ["two words", `${VOCABULARY[3] ?? ""} ${VOCABULARY[40] ?? ""}`],
  ["prefix (3 letters)", (VOCABULARY[7] ?? "kal").slice(0, 3)],
];

interface Row {
  dialect: string;
  messages: number;
  query: string;
  hits: number;
  p50: number;
  p95: number;
  seedSeconds: number;
}
const rows: Row[] = [];
const load = loadAverage();

for (const dialect of DIALECTS) {
  for (const size of SIZES) {
    // The same text on both databases.
    rnd = random(size);
    const pgdb = dialect === "postgres" ? await createTestPostgres() : null;
    const web = await startWebParley(
      {},
      {
        PARLEY_LOG_LEVEL: "warn",
        PARLEY_IP_RATE_LIMIT_PER_MINUTE: "100000000",
        PARLEY_RATE_LIMITS: JSON.stringify({ admin: { apiPerMinute: 10_000_000, aiPerMinute: 10_000_000 } }),
        ...(pgdb
          ? { PARLEY_DATABASE_URL: pgdb.url, PARLEY_SECRET_KEY: "bench-search-secret-0123456789abcdef" }
          : {}),
      },
    );
    try {
      const { token, userId } = await web.adminSession();
      const db = allTables(web.parley.platform.database);
      const people = [userId];
      const now = Date.now();
      for (let i = 1; i < PEOPLE; i++) {
        const id = randomUUID();
        await db
          .insertInto("users")
          .values({
            id,
            email: `${id}@bench.test`,
            name: `Reader ${i}`,
            password_hash: null,
            global_role: "developer",
            status: "active",
            created_at: now,
            updated_at: now,
            last_login_at: null,
          })
          .execute();
        people.push(id);
      }
      const seedStarted = Date.now();
      const conversations = size / PER_CONVERSATION;
      for (let c = 0; c < conversations; c++) {
        const conversationId = randomUUID();
        await db
          .insertInto("conversations")
          .values({
            id: conversationId,
            user_id: people[c % PEOPLE] ?? userId,
            team_id: null,
            title: text(4),
            model: "fake/fake-model",
            created_at: now - c,
            updated_at: now - c,
          })
          .execute();
        await db
          .insertInto("messages")
          .values(
            Array.from({ length: PER_CONVERSATION }, (_, position) =>
              buildMessage({
                conversation_id: conversationId,
                position,
                role: position % 2 ? "assistant" : "user",
                content: text(position % 2 ? 60 + Math.floor(rnd() * 120) : 8 + Math.floor(rnd() * 20)),
                created_at: now - c * 100 + position,
              }),
            ),
          )
          .execute();
      }
      const seedSeconds = (Date.now() - seedStarted) / 1000;
      // Fresh statistics, as autovacuum would have after such a load.
      if (pgdb) await sql`analyze`.execute(db);
      for (const [name, q] of QUERIES) {
        const latencies: number[] = [];
        let hits = 0;
        for (let i = 0; i < WARMUP + RUNS; i++) {
          const started = performance.now();
          const res = await fetch(
            `${web.parley.url}/api/v1/conversations/search?limit=20&q=${encodeURIComponent(q)}`,
            { headers: { authorization: `Bearer ${token}` } },
          );
          const body = (await res.json()) as { items: unknown[] };
          if (!res.ok) throw new Error(`${q}: ${res.status} ${JSON.stringify(body)}`);
          if (i >= WARMUP) latencies.push(performance.now() - started);
          hits = body.items.length;
        }
        rows.push({
          dialect,
          messages: size,
          query: `${name}: \`${q}\``,
          hits,
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          seedSeconds,
        });
        console.error(dialect, size, name, fmt(percentile(latencies, 50)), fmt(percentile(latencies, 95)));
      }
    } finally {
      await web.stop();
      await pgdb?.drop();
    }
  }
}

console.log(
  `Measured ${new Date().toISOString()} on ${machineLine()}, 1-minute load average before the run ${fmt(load, 2)}.`,
);
console.log(
  `${PEOPLE} people, ${PER_CONVERSATION} messages a conversation, the searcher owning 1/${PEOPLE} of them; ${RUNS} sequential requests per row after ${WARMUP} warm-up, limit 20.`,
);
console.log("");
console.log("| database | messages | query | hits on the page | p50 | p95 | seeding |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.dialect} | ${r.messages.toLocaleString("en")} | ${r.query} | ${r.hits} | ${fmt(r.p50)} ms | ${fmt(r.p95)} ms | ${fmt(r.seedSeconds, 0)} s |`,
  );
