import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { CreateUserRequest } from "@parley/contracts";
import type { Config } from "../config/config.ts";
import { openTool } from "../app/tool.ts";
import { AppError } from "../kernel/app-error.ts";
import { systemContext } from "../kernel/request-context.ts";

/** Flags of `parley admin create`. */
export interface AdminCreateFlags {
  email?: string;
  name?: string;
  password?: string;
  passwordStdin?: boolean;
}

/**
 * `parley admin create`: creates an admin account, from flags or by asking on a terminal. Works
 * while the server runs (it writes through the database, like the server does).
 */
export async function adminCreateCommand(config: Config, flags: AdminCreateFlags): Promise<number> {
  const interactive = process.stdin.isTTY && !flags.passwordStdin;
  const email = flags.email ?? (interactive ? await ask("Email: ") : undefined);
  const name = flags.name ?? (interactive ? await ask("Name (optional): ") : undefined);
  let password = flags.password;
  if (flags.passwordStdin) password = (await readAll(process.stdin)).replace(/\r?\n$/, "");
  if (password === undefined && interactive) {
    password = await ask("Password (12+ characters): ", true);
    const again = await ask("Repeat password: ", true);
    if (again !== password) {
      process.stderr.write("parley: the passwords differ\n");
      return 2;
    }
  }
  const parsed = CreateUserRequest.safeParse({
    email,
    name: name || email?.split("@")[0],
    password,
    globalRole: "admin",
  });
  if (!parsed.success || password === undefined) {
    const problems = parsed.success
      ? ["password: is required"]
      : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    process.stderr.write(
      `parley admin create: ${problems.join("; ")}\nusage: parley admin create --email a@b.c [--name N] (--password P | --password-stdin)\n`,
    );
    return 2;
  }

  const tool = await openTool(config, "identity");
  try {
    const user = await tool.exports.identity.users.create(parsed.data, {
      ...systemContext,
      userAgent: "parley-cli",
    });
    process.stdout.write(`created admin ${user.email} (${user.id})\n`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      process.stderr.write(`parley admin create: ${error.message}\n`);
      return error.code === "user.email_taken" ? 1 : 2;
    }
    throw error;
  } finally {
    await tool.close();
  }
}

async function ask(question: string, secret = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const pending = rl.question(question);
    muted = secret;
    const answer = await pending;
    if (secret) process.stdout.write("\n");
    return answer.trim();
  } finally {
    rl.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text;
}
