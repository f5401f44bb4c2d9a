import { z } from "zod";
import { ProcessRole } from "@parley/contracts";

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

const booleanish = z
  .union([z.boolean(), z.enum(["true", "false", "1", "0", "yes", "no"])], {
    error: "must be true or false",
  })
  .transform((v) => v === true || v === "true" || v === "1" || v === "yes");

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
    shutdownTimeoutMs: positiveInt("milliseconds").default(10_000),
    trustProxy: booleanish.default(false),
    ipRateLimitPerMinute: positiveInt("requests per minute").default(600),
    logRetentionMs: positiveInt("milliseconds").default(24 * 60 * 60 * 1000),
    dbPoolSize: positiveInt("connections").default(10),
    auditRetentionDays: positiveInt("days").default(90),
    secretKey: z
      .string()
      .min(32, "must be at least 32 characters (generate one with: openssl rand -base64 48)")
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
  shutdownTimeoutMs: "PARLEY_SHUTDOWN_TIMEOUT_MS",
  trustProxy: "PARLEY_TRUST_PROXY",
  ipRateLimitPerMinute: "PARLEY_IP_RATE_LIMIT_PER_MINUTE",
  logRetentionMs: "PARLEY_LOG_RETENTION_MS",
  dbPoolSize: "PARLEY_DB_POOL_SIZE",
  secretKey: "PARLEY_SECRET_KEY",
  auditRetentionDays: "PARLEY_AUDIT_RETENTION_DAYS",
};
