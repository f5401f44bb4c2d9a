import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./deploy-support.ts";

// No container engine runs here, so the image is never built in CI. This test holds the
// Containerfile to the run stage that production-build.test.ts proves: the production folder,
// a non-root user in group 0, a data folder writable by that group, tini before Node.

/** Instructions of the Containerfile, continuation lines joined, comments dropped. */
function instructions(): { op: string; args: string }[] {
  const text = readFileSync(join(ROOT, "Containerfile"), "utf8");
  return text
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.trimStart().startsWith("#"))
    .map((line) => {
      const [op = "", ...rest] = line.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
}

/** The instructions of each stage, by stage index. */
function stages(): { op: string; args: string }[][] {
  const out: { op: string; args: string }[][] = [];
  for (const instruction of instructions()) {
    if (instruction.op === "FROM") out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

describe("the Containerfile", () => {
  it("builds on UBI9's full Node.js 24 image and runs on the minimal one", () => {
    const args = Object.fromEntries(
      instructions()
        .filter((i) => i.op === "ARG" && i.args.includes("="))
        .map((i) => i.args.split("=", 2) as [string, string]),
    );
    expect(args.NODE_IMAGE).toBe("registry.access.redhat.com/ubi9/nodejs-24");
    expect(args.NODE_MINIMAL_IMAGE).toBe("registry.access.redhat.com/ubi9/nodejs-24-minimal");
    const [build, run, extra] = stages();
    expect(extra).toBeUndefined();
    expect(build?.[0]?.args).toBe("${NODE_IMAGE} AS build");
    expect(run?.[0]?.args).toBe("${NODE_MINIMAL_IMAGE}");
    expect(build?.some((i) => i.op === "RUN" && i.args === "npm run build")).toBe(true);
  });

  it("runs the production build as a non-root user in group 0 with a group-writable data folder", () => {
    const run = stages()[1] ?? [];
    const has = (op: string, pattern: RegExp) => run.some((i) => i.op === op && pattern.test(i.args));
    expect(has("COPY", /--from=build --chown=0:0 \/opt\/app-root\/src\/dist\/parley \/opt\/parley$/)).toBe(
      true,
    );
    expect(has("RUN", /chown 1001:0 \/var\/lib\/parley && chmod 0770 \/var\/lib\/parley/)).toBe(true);
    expect(has("ENV", /PARLEY_DATA_DIR=\/var\/lib\/parley/)).toBe(true);
    expect(has("VOLUME", /^\/var\/lib\/parley$/)).toBe(true);
    expect(run.filter((i) => i.op === "USER").at(-1)?.args).toBe("1001");
    expect(has("EXPOSE", /^8080$/)).toBe(true);
    expect(has("HEALTHCHECK", /\/healthz/)).toBe(true);
    expect(has("LABEL", /org\.opencontainers\.image\.title="Parley"/)).toBe(true);
    expect(run.find((i) => i.op === "ENTRYPOINT")?.args).toBe(
      '["/usr/local/bin/tini", "--", "node", "/opt/parley/apps/server/src/main.ts"]',
    );
  });

  it("pins tini by checksum for each architecture it supports", () => {
    const build = stages()[0] ?? [];
    const sums = build.filter((i) => i.op === "ARG" && /^TINI_SHA256_\w+=[0-9a-f]{64}$/.test(i.args));
    expect(sums).toHaveLength(2);
    expect(build.some((i) => i.op === "RUN" && i.args.includes("sha256sum -c -"))).toBe(true);
  });

  it("keeps dependencies, builds and local data out of the build context", () => {
    const ignored = readFileSync(join(ROOT, ".containerignore"), "utf8").split("\n");
    for (const entry of ["**/node_modules", "**/dist", "data", ".git"]) expect(ignored).toContain(entry);
  });
});
