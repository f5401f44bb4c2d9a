import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Registry } from "prom-client";
import type { Config } from "../config/config.ts";
import { TypedBus } from "../kernel/typed-bus.ts";
import { createLogger } from "../platform/logger.ts";
import { errorCatalog } from "./errors.ts";
import { migrateToLatest } from "./migrations.ts";
import { buildModules, MODULES, type ModuleExports } from "./modules.ts";
import { buildPlatform } from "./platform.ts";

type ModuleName = (typeof MODULES)[number]["name"];

/** The modules a command-line tool built, and how to let go of them. */
export interface Tool {
  readonly exports: ModuleExports;
  close(): Promise<void>;
}

/**
 * Builds the modules of {@link MODULES} up to and including `last`, for a command-line tool that
 * acts beside a running server (`parley admin create`): the same modules and use cases as the
 * server, from the same list, on the same database; the bus, registry and rate limiter are the
 * tool's own and the data folder is not locked. Only the exports of the built modules are there.
 * @example
 * const tool = await openTool(config, "identity");
 * await tool.exports.identity.users.create(request, ctx); await tool.close();
 */
export async function openTool(config: Config, last: ModuleName): Promise<Tool> {
  const podId = `${hostname()}-${process.pid}-cli-${randomBytes(3).toString("hex")}`;
  const logger = createLogger({ level: "warn", base: { pod: podId, role: "cli" }, pretty: false });
  const platform = await buildPlatform(config, logger, { tool: true });
  try {
    await migrateToLatest(platform.database);
    const end = MODULES.findIndex((m) => m.name === last);
    const metrics = new Registry();
    const modules = await buildModules(
      {
        config,
        platform,
        logger,
        metrics,
        podId,
        bus: new TypedBus({ bus: platform.bus, malformed: { inc: () => undefined }, logger }),
        errors: errorCatalog,
        publicUrl: () => config.publicUrl ?? `http://localhost:${config.port}`,
      },
      { manifests: MODULES.slice(0, end + 1) },
    );
    return { exports: modules.exports, close: () => platform.close() };
  } catch (error) {
    await platform.close();
    throw error;
  }
}
