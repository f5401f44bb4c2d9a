#!/usr/bin/env node
import { runCli } from "./cli/cli.ts";

// Everything Parley writes (database, its WAL, blobs, keys, locks) is for its own user only;
// the modules also ask for 0600/0700 explicitly where they create files, for embedders.
process.umask(0o077);

process.exitCode = await runCli(process.argv.slice(2), process.env);
