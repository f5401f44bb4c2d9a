import { deploymentMode, redactConfig, type Config } from "../config/config.ts";

/** `parley config`: prints the validated configuration with secrets masked. */
export function configCommand(config: Config): number {
  process.stdout.write(
    `${JSON.stringify({ mode: deploymentMode(config), ...redactConfig(config) }, null, 2)}\n`,
  );
  return 0;
}
