import pino, { type Logger } from "pino";

/** Log settings. */
export interface LoggerOptions {
  level: string;
  /** Labels on every line, such as the pod id and role. */
  base: Record<string, string>;
  /** Human-readable lines for a terminal; JSON otherwise (and always in production). */
  pretty: boolean;
}

/**
 * pino JSON logs with secrets redacted. Every request's lines carry its `requestId`.
 * @example
 * const logger = createLogger({ level: "info", base: { pod }, pretty: process.stdout.isTTY });
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    level: options.level,
    base: options.base,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "*.password",
        "*.apiKey",
        "*.token",
        "*.secret",
        "config.databaseUrl",
        "config.redisUrl",
        "config.natsUrl",
      ],
      censor: "[redacted]",
    },
    ...(options.pretty
      ? {
          transport: {
            target: "pino-pretty",
            options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" },
          },
        }
      : {}),
  });
}
