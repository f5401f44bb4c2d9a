import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigSchema, settingEnvNames, type Config, type ConfigKey } from "./config.schema.ts";

export { ConfigSchema, settingEnvNames, type Config } from "./config.schema.ts";

const SECRET_SETTINGS = new Set<ConfigKey>([
  "secretKey",
  "adminPassword",
  "metricsToken",
  "stripeWebhookSecret",
  "providers",
  "oidcProviders",
  "databaseUrl",
  "redisUrl",
  "natsUrl",
]);

/** A configuration problem the operator must fix; the CLI prints it and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: string[];
  constructor(message: string, problems: string[]) {
    super(message);
    this.problems = problems;
  }
}

/** Where settings come from, highest precedence first: flags, environment, config file, defaults. */
export interface ConfigSources {
  /** Settings given on the command line, already mapped to config keys. */
  flags?: Partial<Record<ConfigKey, unknown>>;
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to `PARLEY_CONFIG` from `env`. */
  file?: string;
}

/** Whether the configuration asks for the shared services of distributed mode. */
export function deploymentMode(config: Config): "embedded" | "distributed" {
  return config.databaseUrl || config.natsUrl || config.redisUrl ? "distributed" : "embedded";
}

/**
 * Reads, merges and validates the configuration.
 * @throws ConfigError naming each bad setting, its variable, and what it expects.
 * @example
 * const config = loadConfig({ env: process.env, flags: { port: 9090 } });
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const file = sources.file ?? env.PARLEY_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(settingEnvNames)) {
    const value = env[name];
    if (value !== undefined && value !== "") fromEnv[key] = value;
  }
  const merged = { ...fromFile, ...fromEnv, ...stripUndefined(sources.flags ?? {}) };
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path[0];
      if (issue.code === "unrecognized_keys") {
        return `${file ?? "config"}: unknown setting(s) ${issue.keys.join(", ")}`;
      }
      if (typeof key === "string" && key in settingEnvNames) {
        const name = settingEnvNames[key as ConfigKey];
        const where = issue.path.length > 1 ? ` at ${issue.path.slice(1).join(".")}` : "";
        // Settings that hold secrets never echo their value.
        const got = SECRET_SETTINGS.has(key as ConfigKey)
          ? ""
          : `, got ${JSON.stringify(merged[key as keyof typeof merged])}`;
        return `${name} (${key})${where} ${issue.message}${got}`;
      }
      return issue.message;
    });
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`, problems);
  }
  const config = parsed.data;
  checkCombination(config);
  return { ...config, dataDir: resolve(config.dataDir) };
}

function checkCombination(config: Config): void {
  const problems: string[] = [];
  if (config.role !== "all") {
    for (const key of ["databaseUrl", "natsUrl", "redisUrl"] as const) {
      if (!config[key]) {
        problems.push(
          `${settingEnvNames[key]} (${key}) is required with PARLEY_ROLE=${config.role}: separate api and worker processes share state only through PostgreSQL, NATS and Redis`,
        );
      }
    }
  }
  if (config.databaseUrl && !config.secretKey) {
    problems.push(
      "PARLEY_SECRET_KEY (secretKey) is required with PARLEY_DATABASE_URL: every process must sign tokens and seal the audit log with the same key (generate one with: openssl rand -base64 48)",
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join("\n  - ")}`, problems);
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`PARLEY_CONFIG: cannot read config file ${path}: ${reason}`, [reason]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError(`PARLEY_CONFIG: ${path} is not valid JSON: ${reason}`, [reason]);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`PARLEY_CONFIG: ${path} must contain a JSON object of settings`, ["not an object"]);
  }
  return value as Record<string, unknown>;
}

function stripUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** The configuration with secrets in URLs masked, for logs and `parley config`. */
export function redactConfig(config: Config): Record<string, unknown> {
  const mask = (value: string | undefined) => {
    if (!value) return value;
    try {
      const u = new URL(value);
      if (u.password) u.password = "***";
      return u.toString();
    } catch {
      return "***";
    }
  };
  return {
    ...config,
    databaseUrl: mask(config.databaseUrl),
    natsUrl: mask(config.natsUrl),
    redisUrl: mask(config.redisUrl),
    secretKey: config.secretKey ? "***" : undefined,
    adminPassword: config.adminPassword ? "***" : undefined,
    metricsToken: config.metricsToken ? "***" : undefined,
    stripeWebhookSecret: config.stripeWebhookSecret ? "***" : undefined,
    oidcProviders: config.oidcProviders.map((p) => ({
      ...p,
      clientSecret: p.clientSecret ? "***" : undefined,
    })),
    providers: config.providers.map((p) => ({ ...p, apiKey: p.apiKey ? "***" : undefined })),
  };
}
