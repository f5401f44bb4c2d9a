import { readFileSync } from "node:fs";

/** Parley's version, from the root package.json. */
export const PARLEY_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;
