import { Command, CommanderError, Option } from "commander";
import { PARLEY_VERSION } from "../kernel/version.ts";
import { ConfigError, loadConfig, type Config } from "../config/config.ts";
import { ProcessRole } from "@parley/contracts";
import { migrateCommand } from "./migrate.command.ts";
import { startCommand } from "./start.command.ts";
import { statusCommand } from "./status.command.ts";
import { configCommand } from "./config.command.ts";
import { adminCreateCommand, type AdminCreateFlags } from "./admin.command.ts";

/** Exit codes of the `parley` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

interface CommonFlags {
  config?: string;
  dataDir?: string;
}

/**
 * Runs the `parley` command line and resolves with the exit code. Bad configuration or usage
 * exits with 2 and a message naming the setting.
 * @example
 * process.exitCode = await runCli(["start", "--port", "9090"], process.env);
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command("parley")
    .description("Parley: self-hosted AI platform for software teams")
    .version(PARLEY_VERSION)
    .showHelpAfterError("(run parley --help for usage)")
    .exitOverride();

  const withConfigFlags = (command: Command) =>
    command
      .option("-c, --config <file>", "JSON config file (env: PARLEY_CONFIG)")
      .option("-d, --data-dir <dir>", "data folder for embedded mode (env: PARLEY_DATA_DIR, default ./data)");
  const load = (flags: CommonFlags & Partial<Config>) =>
    loadConfig({
      env,
      ...(flags.config ? { file: flags.config } : {}),
      flags: { dataDir: flags.dataDir, port: flags.port, host: flags.host, role: flags.role },
    });

  withConfigFlags(program.command("start"))
    .description("start the server (embedded by default; distributed when service URLs are set)")
    .option("-p, --port <port>", "HTTP port (env: PARLEY_PORT, default 8080)")
    .option("--host <host>", "interface to listen on (env: PARLEY_HOST, default 0.0.0.0)")
    .addOption(
      new Option("-r, --role <role>", "what this process runs (env: PARLEY_ROLE, default all)").choices(
        ProcessRole.options,
      ),
    )
    .action(async (flags: CommonFlags & Partial<Config>) => {
      exitCode = await startCommand(load(flags));
    });

  withConfigFlags(program.command("migrate"))
    .description("apply pending database migrations (start also does this)")
    .option("--status", "list migrations and whether each is applied, without applying")
    .action(async (flags: CommonFlags & { status?: boolean }) => {
      exitCode = await migrateCommand(load(flags), { statusOnly: flags.status === true });
    });

  withConfigFlags(program.command("status"))
    .description("list the live Parley processes that share this configuration's services")
    .action(async (flags: CommonFlags) => {
      exitCode = await statusCommand(load(flags));
    });

  const admin = program.command("admin").description("manage accounts from the command line");
  withConfigFlags(admin.command("create"))
    .description("create an admin account (asks on a terminal for what the flags leave out)")
    .option("--email <email>", "the admin's email")
    .option("--name <name>", "display name (default: the email's local part)")
    .option("--password <password>", "password, 12+ characters (prefer --password-stdin: flags show in ps)")
    .option("--password-stdin", "read the password from standard input")
    .action(async (flags: CommonFlags & AdminCreateFlags) => {
      exitCode = await adminCreateCommand(load(flags), flags);
    });

  withConfigFlags(program.command("config"))
    .description("validate the configuration and print it, with secrets masked")
    .action((flags: CommonFlags) => {
      exitCode = configCommand(load(flags));
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    if (argv.length === 0) program.outputHelp();
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`parley: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
}
