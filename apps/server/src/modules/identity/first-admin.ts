import type { Logger } from "pino";
import type { Config } from "../../config/config.ts";
import type { IdentityModule } from "./identity.module.ts";
import { systemContext } from "../../kernel/request-context.ts";

/**
 * On a fresh installation, creates the first admin from PARLEY_ADMIN_EMAIL and
 * PARLEY_ADMIN_PASSWORD, or says how to. There is never a default password.
 */
export async function ensureFirstAdmin(
  config: Config,
  identity: IdentityModule,
  logger: Logger,
): Promise<void> {
  if (await identity.users.isSetUp()) return;
  if (config.adminEmail && config.adminPassword) {
    // Null when another pod starting at the same moment created it first (or setup ran).
    const admin = await identity.users.createFirstAdmin(
      { email: config.adminEmail, password: config.adminPassword },
      systemContext,
    );
    if (admin) logger.info({ email: admin.email }, "created the first admin from PARLEY_ADMIN_EMAIL");
    return;
  }
  logger.warn(
    "no account exists yet: open the web app to set up the first admin, or use `parley admin create`, or start with PARLEY_ADMIN_EMAIL and PARLEY_ADMIN_PASSWORD",
  );
}
