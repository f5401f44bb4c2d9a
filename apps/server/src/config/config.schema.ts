import { isIP } from "node:net";
import { z } from "zod";
import { MAX_AMOUNT_MICROS, ProcessRole, ProviderDeclaration, Role } from "@parley/contracts";

const PORT_MESSAGE = "must be a whole number between 0 and 65535 (0 picks a free port)";
const port = z.coerce
  .number({ error: PORT_MESSAGE })
  .int(PORT_MESSAGE)
  .min(0, PORT_MESSAGE)
  .max(65535, PORT_MESSAGE);

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `must be a positive whole number (${what})` })
    .int(`must be a positive whole number (${what})`)
    .positive(`must be a positive whole number (${what})`);

const url = (schemes: string[], example: string) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${schemes.map((s) => `${s}//`).join(" or ")}, for example ${example}`,
    );

/** Settings given as JSON in one environment variable arrive as strings; files give objects. */
function parseJsonSetting(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const booleanish = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])], {
    error: "must be true or false",
  })
  .transform((v) => v === true || v === "true" || v === "1" || v === "yes");

/**
 * Which `X-Forwarded-For` entries to believe: `false` (none: the socket's address), a hop count
 * (`1`: one proxy in front, the address it appended), a comma list of proxy addresses or CIDR
 * ranges, or `true` (every entry: only behind a proxy that overwrites the header, since clients
 * can write its leftmost entries themselves).
 */
const trustProxySetting = z
  .union([z.boolean(), z.number().int().min(0), z.array(z.string()), z.string()])
  .transform((value, ctx): boolean | number | string[] => {
    if (typeof value === "boolean") return value;
    if (typeof value === "number") return value === 0 ? false : value;
    const text = Array.isArray(value) ? value.join(",") : value.trim();
    const lowered = text.toLowerCase();
    if (lowered === "true" || lowered === "yes") return true;
    if (lowered === "false" || lowered === "no" || lowered === "" || lowered === "0") return false;
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.filter((e) => {
      const [address = "", bits] = e.split("/");
      return isIP(address) === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits));
    });
    if (bad.length > 0) {
      ctx.addIssue({
        code: "custom",
        message: `must be true, false, a hop count, or proxy addresses/CIDR ranges (not ${bad.join(", ")})`,
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * One OpenID Connect issuer users may sign in with. Groups in `groupsClaim` map to a global
 * role and to team memberships; users are created on their first sign-in.
 */
export const OidcProviderSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,32}$/, "id must be lowercase letters, digits and dashes"),
  name: z.string().min(1).max(100),
  issuer: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  scopes: z.string().default("openid email profile"),
  groupsClaim: z.string().default("groups"),
  /** Global role of users no mapping names; null refuses them. */
  defaultRole: z.enum(Role.options).nullable().default("viewer"),
  groupMappings: z
    .array(
      z.strictObject({
        group: z.string().min(1),
        globalRole: z.enum(Role.options).optional(),
        team: z.string().min(1).optional().describe("slug of a team; created when missing"),
        teamRole: z.enum(Role.options).optional(),
      }),
    )
    .default([]),
});
export type OidcProviderConfig = z.infer<typeof OidcProviderSchema>;

/**
 * Every setting Parley reads, with its default. Keys are the camelCase names used in the config
 * file; each maps to one `PARLEY_*` environment variable (see `settingEnvNames`).
 */
export const ConfigSchema = z
  .object({
    port: port.default(8080),
    host: z.string().trim().min(1, "must not be empty").default("0.0.0.0"),
    dataDir: z.string().trim().min(1, "must not be empty").default("./data"),
    role: z
      .enum(ProcessRole.options, { error: `must be one of ${ProcessRole.options.join(", ")}` })
      .default("all"),
    databaseUrl: url(["postgres:", "postgresql:"], "postgres://user:pass@db:5432/parley").optional(),
    natsUrl: url(["nats:", "tls:"], "nats://nats:4222").optional(),
    redisUrl: url(["redis:", "rediss:"], "redis://redis:6379").optional(),
    namespace: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]{0,30}$/,
        "must be lowercase letters, digits and _ (start with a letter, 31 max)",
      )
      .default("parley"),
    logLevel: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        error: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .default("info"),
    bodyLimitBytes: positiveInt("bytes").default(1_048_576),
    requestTimeoutMs: positiveInt("milliseconds").default(30_000),
    shutdownTimeoutMs: positiveInt("milliseconds").default(10_000),
    trustProxy: trustProxySetting.default(false),
    ipRateLimitPerMinute: positiveInt("requests per minute").default(600),
    logRetentionMs: positiveInt("milliseconds").default(24 * 60 * 60 * 1000),
    dbPoolSize: positiveInt("connections").default(10),
    auditRetentionDays: positiveInt("days").default(90),
    aiFirstTokenTimeoutMs: positiveInt("milliseconds").default(60_000),
    aiIdleTimeoutMs: positiveInt("milliseconds").default(60_000),
    governanceCheckTimeoutMs: positiveInt("milliseconds").default(2_000),
    maxStreamsPerUser: positiveInt("connections").default(20),
    /**
     * The model that names a conversation after its first answer (a short title it writes); unset,
     * a conversation is named after its first message, cleaned of markdown.
     */
    titleModel: z.string().trim().min(1).max(200).optional(),
    knowledgeMaxFileBytes: positiveInt("bytes").default(25 * 1024 * 1024),
    knowledgeMaxTeamBytes: positiveInt("bytes").default(1024 * 1024 * 1024),
    knowledgeStaleAfterMs: positiveInt("milliseconds").default(10 * 60_000),
    knowledgeSweepIntervalMs: positiveInt("milliseconds").default(60_000),
    refreshReuseGraceMs: z.coerce
      .number({ error: "must be a whole number of milliseconds" })
      .int("must be a whole number of milliseconds")
      .min(0, "must be 0 or more")
      .max(300_000, "must be at most 300000 (5 minutes)")
      .default(20_000),
    aiMaxRetries: z.coerce
      .number()
      .int()
      .min(0, "must be 0 or more")
      .max(10, "must be at most 10")
      .default(2),
    publicUrl: url(["http:", "https:"], "https://parley.example.com").optional(),
    adminEmail: z.email("must be an email address").optional(),
    adminPassword: z.string().min(12, "must be at least 12 characters").max(256).optional(),
    oidcProviders: z
      .preprocess(
        parseJsonSetting,
        z.array(OidcProviderSchema, {
          error:
            'must be a JSON array like [{"id":"corp","name":"Corp SSO","issuer":"https://idp.example.com","clientId":"parley","clientSecret":"..."}]',
        }),
      )
      .default([]),
    providers: z
      .preprocess(
        parseJsonSetting,
        z.array(ProviderDeclaration, {
          error:
            'must be a JSON array like [{"id":"local","type":"openai-compatible","baseURL":"http://127.0.0.1:11434/v1","models":["llama3.2"]}] with types openai, anthropic, openai-compatible',
        }),
      )
      .default([]),
    ollamaUrl: url(["http:", "https:"], "http://127.0.0.1:11434").default("http://127.0.0.1:11434"),
    ollamaDetect: booleanish.default(true),
    rateLimits: z
      .preprocess(
        parseJsonSetting,
        z.partialRecord(
          z.enum(Role.options),
          z.strictObject({
            apiPerMinute: z.number().int().positive().optional(),
            aiPerMinute: z.number().int().positive().optional(),
          }),
          {
            error:
              'must be JSON like {"developer":{"apiPerMinute":200,"aiPerMinute":20}} with roles admin, operator, developer, viewer',
          },
        ),
      )
      .default({}),
    billingBalances: z.enum(["off", "enforce"], { error: "must be off or enforce" }).default("off"),
    billingAllowances: z
      .preprocess(
        parseJsonSetting,
        z.partialRecord(z.enum(Role.options), z.number().int().min(0).max(MAX_AMOUNT_MICROS), {
          error: `must be JSON like {"developer":5000000} (micro-units a month per global role, at most ${MAX_AMOUNT_MICROS})`,
        }),
      )
      .default({}),
    billingHoldTtlMs: positiveInt("milliseconds").default(15 * 60_000),
    billingDefaultMaxOutputTokens: positiveInt("tokens").default(4096),
    stripeWebhookSecret: z.string().min(8, "must be Stripe's signing secret (whsec_...)").max(512).optional(),
    /** The Telegram Bot API server: Telegram's, a self-hosted `telegram-bot-api`, or a test server. */
    telegramApiUrl: url(["http:", "https:"], "https://api.telegram.org").default("https://api.telegram.org"),
    /** How long one `getUpdates` long poll waits for updates (polling-mode bots). */
    telegramPollTimeoutS: z.coerce
      .number({ error: "must be a whole number of seconds" })
      .int("must be a whole number of seconds")
      .min(0, "must be 0 or more")
      .max(50, "must be at most 50")
      .default(25),
    /** Messages one Telegram chat may have answered per minute (each bot's chats apart). */
    telegramChatMessagesPerMinute: positiveInt("messages").default(20),
    secretKey: z
      .string()
      .min(32, "must be at least 32 characters (generate one with: openssl rand -base64 48)")
      .optional(),
    /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>` (Prometheus' `authorization`). */
    metricsToken: z
      .string()
      .min(16, "must be at least 16 characters (generate one with: openssl rand -hex 24)")
      .max(512)
      .optional(),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

/** The environment variable of each setting. */
export const settingEnvNames: Record<ConfigKey, string> = {
  port: "PARLEY_PORT",
  host: "PARLEY_HOST",
  dataDir: "PARLEY_DATA_DIR",
  role: "PARLEY_ROLE",
  databaseUrl: "PARLEY_DATABASE_URL",
  natsUrl: "PARLEY_NATS_URL",
  redisUrl: "PARLEY_REDIS_URL",
  namespace: "PARLEY_NAMESPACE",
  logLevel: "PARLEY_LOG_LEVEL",
  bodyLimitBytes: "PARLEY_BODY_LIMIT_BYTES",
  requestTimeoutMs: "PARLEY_REQUEST_TIMEOUT_MS",
  shutdownTimeoutMs: "PARLEY_SHUTDOWN_TIMEOUT_MS",
  trustProxy: "PARLEY_TRUST_PROXY",
  ipRateLimitPerMinute: "PARLEY_IP_RATE_LIMIT_PER_MINUTE",
  logRetentionMs: "PARLEY_LOG_RETENTION_MS",
  dbPoolSize: "PARLEY_DB_POOL_SIZE",
  secretKey: "PARLEY_SECRET_KEY",
  metricsToken: "PARLEY_METRICS_TOKEN",
  auditRetentionDays: "PARLEY_AUDIT_RETENTION_DAYS",
  aiFirstTokenTimeoutMs: "PARLEY_AI_FIRST_TOKEN_TIMEOUT_MS",
  aiIdleTimeoutMs: "PARLEY_AI_IDLE_TIMEOUT_MS",
  governanceCheckTimeoutMs: "PARLEY_GOVERNANCE_CHECK_TIMEOUT_MS",
  aiMaxRetries: "PARLEY_AI_MAX_RETRIES",
  maxStreamsPerUser: "PARLEY_MAX_STREAMS_PER_USER",
  titleModel: "PARLEY_TITLE_MODEL",
  knowledgeMaxFileBytes: "PARLEY_KNOWLEDGE_MAX_FILE_BYTES",
  knowledgeMaxTeamBytes: "PARLEY_KNOWLEDGE_MAX_TEAM_BYTES",
  knowledgeStaleAfterMs: "PARLEY_KNOWLEDGE_STALE_AFTER_MS",
  knowledgeSweepIntervalMs: "PARLEY_KNOWLEDGE_SWEEP_INTERVAL_MS",
  refreshReuseGraceMs: "PARLEY_REFRESH_REUSE_GRACE_MS",
  publicUrl: "PARLEY_PUBLIC_URL",
  adminEmail: "PARLEY_ADMIN_EMAIL",
  adminPassword: "PARLEY_ADMIN_PASSWORD",
  rateLimits: "PARLEY_RATE_LIMITS",
  oidcProviders: "PARLEY_OIDC_PROVIDERS",
  providers: "PARLEY_PROVIDERS",
  ollamaUrl: "PARLEY_OLLAMA_URL",
  ollamaDetect: "PARLEY_OLLAMA_DETECT",
  billingBalances: "PARLEY_BILLING_BALANCES",
  billingAllowances: "PARLEY_BILLING_ALLOWANCES",
  billingHoldTtlMs: "PARLEY_BILLING_HOLD_TTL_MS",
  billingDefaultMaxOutputTokens: "PARLEY_BILLING_DEFAULT_MAX_OUTPUT_TOKENS",
  stripeWebhookSecret: "PARLEY_STRIPE_WEBHOOK_SECRET",
  telegramApiUrl: "PARLEY_TELEGRAM_API_URL",
  telegramPollTimeoutS: "PARLEY_TELEGRAM_POLL_TIMEOUT_S",
  telegramChatMessagesPerMinute: "PARLEY_TELEGRAM_CHAT_MESSAGES_PER_MINUTE",
};
