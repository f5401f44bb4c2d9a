import pino, { type DestinationStream, type Logger } from "pino";
import { redactUrl } from "./log-redaction.ts";

/** Log settings. */
export interface LoggerOptions {
  level: string;
  /** Labels on every line, such as the pod id and role. */
  base: Record<string, string>;
  /** Human-readable lines for a terminal; JSON otherwise (and always in production). */
  pretty: boolean;
  /** Where lines go instead of standard output (tests capture them); ignored when pretty. */
  destination?: DestinationStream;
}

/**
 * pino JSON logs with secrets redacted: credential fields and headers by path, and every `url`
 * (or `req.url`) through `redactUrl` (invitation tokens, API keys, OIDC codes in query strings).
 * Every request's lines carry its `requestId`.
 * @example
 * const logger = createLogger({ level: "info", base: { pod }, pretty: process.stdout.isTTY });
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: options.base,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        url: (url: unknown) => (typeof url === "string" ? redactUrl(url) : url),
        req: (req: unknown) => redactRequest(req),
      },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          'req.headers["x-csrf-token"]',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          "*.refreshToken",
          "*.accessToken",
          "*.csrfToken",
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
    },
    options.pretty ? undefined : options.destination,
  );
}

/** A logged request (Fastify's or a plain object): its method and redacted URL, never its headers. */
function redactRequest(req: unknown): unknown {
  if (typeof req !== "object" || req === null) return req;
  const { method, url } = req as { method?: unknown; url?: unknown };
  return { method, url: typeof url === "string" ? redactUrl(url) : url };
}
