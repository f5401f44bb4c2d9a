#!/usr/bin/env node
/**
 * The production build: everything `parley start` needs and nothing else, in one folder that a
 * container image copies as it is (`dist/parley` by default; the web app must be built first,
 * which `npm run build` does). The server runs from its TypeScript sources with Node's type
 * stripping (ADR 0001), so the build copies rather than compiles:
 *
 *   package.json                 version and `type: module` (the server reads its version here)
 *   apps/server/src/             the server, without tests and test support
 *   apps/web/dist/               the built web app
 *   apps/widget/dist/            the website widget (loader.js, chat.js)
 *   packages/contracts/src/      the shared schemas
 *   node_modules/                the server's production dependencies only, resolved from
 *                                package-lock.json; @parley/contracts is a symlink to
 *                                packages/contracts, since Node strips types only outside
 *                                node_modules
 *   bin/parley                   the `parley` command
 *
 * @example
 * node scripts/build-production.ts --out dist/parley
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** One entry of package-lock.json's `packages` map (lockfile version 3). */
interface LockEntry {
  name?: string;
  version?: string;
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** What a build produced. */
export interface BuildSummary {
  out: string;
  /** Lockfile paths of the dependencies copied (`node_modules/...`), sorted. */
  packages: string[];
}

const WORKSPACE_SERVER = "apps/server";

/** Files of the server's sources that only tests use. */
function isTestFile(path: string): boolean {
  return /\.test\.ts$|-test-support\.ts$/.test(path);
}

/** Where Node would find `name` when required from the package at lockfile path `from`. */
function resolveInLock(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === "") return undefined;
    const nested = base.lastIndexOf("/node_modules/");
    base = nested >= 0 ? base.slice(0, nested) : "";
  }
}

/**
 * The lockfile paths of every package the server needs at run time: its dependencies, theirs,
 * their required peers, and optional ones where installed (npm installs only the optional
 * packages that fit this platform, such as one native binary of @node-rs/argon2).
 */
export function productionClosure(root: string): { packages: string[]; links: Map<string, string> } {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const packages = lock.packages;
  const seen = new Set<string>();
  const links = new Map<string, string>();
  const queue: string[] = [WORKSPACE_SERVER];
  const visit = (from: string, name: string, required: boolean) => {
    const path = resolveInLock(packages, from, name);
    if (!path || !existsSync(join(root, path))) {
      if (required) throw new Error(`${from} needs ${name}, which is not installed (run npm ci)`);
      return;
    }
    const entry = packages[path];
    if (entry?.link && entry.resolved) {
      links.set(path, entry.resolved);
      if (!seen.has(entry.resolved)) queue.push(entry.resolved);
      seen.add(entry.resolved);
      return;
    }
    if (seen.has(path)) return;
    seen.add(path);
    queue.push(path);
  };
  seen.add(WORKSPACE_SERVER);
  for (let from = queue.shift(); from !== undefined; from = queue.shift()) {
    const entry = packages[from];
    if (!entry) throw new Error(`package-lock.json has no entry for ${from}`);
    for (const name of Object.keys(entry.dependencies ?? {})) visit(from, name, true);
    for (const name of Object.keys(entry.optionalDependencies ?? {})) visit(from, name, false);
    for (const name of Object.keys(entry.peerDependencies ?? {})) {
      if (entry.peerDependenciesMeta?.[name]?.optional) continue;
      visit(from, name, true);
    }
  }
  const copied = [...seen].filter(
    (path) => path.startsWith("node_modules/") || path.includes("/node_modules/"),
  );
  return { packages: copied.sort(), links };
}

/**
 * Makes the tree writable by its owner only (folders 0755, files 0644, or 0755 when executable):
 * whatever umask the builder has (002 is common in images made for OpenShift), the group, which is
 * group 0 in the image and holds every arbitrary UID, cannot write to it.
 */
function makeReadOnlyForOthers(root: string): void {
  chmodSync(root, 0o755);
  for (const entry of readdirSync(root, { recursive: true, encoding: "utf8" })) {
    const path = join(root, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) chmodSync(path, 0o755);
    else chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}

/**
 * Builds the production folder at `out` (replacing it) from the repository at `root`.
 * @throws when the web app is not built or a dependency is missing.
 */
export function buildProduction(options: { root: string; out: string }): BuildSummary {
  const root = resolve(options.root);
  const out = resolve(options.out);
  const webDist = join(root, "apps/web/dist/index.html");
  if (!existsSync(webDist)) throw new Error(`${webDist} is missing: build the web app first (npm run build)`);
  const widgetDist = join(root, "apps/widget/dist/loader.js");
  if (!existsSync(widgetDist))
    throw new Error(`${widgetDist} is missing: build the widget first (npm run build)`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, unknown>;
  const manifest = {
    name: rootPackage.name,
    version: rootPackage.version,
    description: rootPackage.description,
    license: rootPackage.license,
    private: true,
    type: "module",
    engines: rootPackage.engines,
    bin: { parley: "apps/server/src/main.ts" },
  };
  writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  const copyTree = (from: string, filter: (path: string) => boolean = () => true) => {
    cpSync(join(root, from), join(out, from), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => filter(source),
    });
  };
  copyTree("apps/server/package.json");
  copyTree("apps/server/src", (source) => !isTestFile(source));
  copyTree("apps/web/dist");
  copyTree("apps/widget/dist");
  copyTree("packages/contracts/package.json");
  copyTree("packages/contracts/src", (source) => !isTestFile(source));

  const { packages, links } = productionClosure(root);
  for (const path of packages) {
    const own = join(root, path);
    // A package's nested node_modules are separate lockfile entries, copied only when needed.
    copyTree(path, (source) => !source.startsWith(`${own}${sep}node_modules`));
  }
  for (const [path, target] of links) {
    const link = join(out, path);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(relative(dirname(link), join(out, target)), link);
  }

  mkdirSync(join(out, "bin"));
  symlinkSync("../apps/server/src/main.ts", join(out, "bin/parley"));
  makeReadOnlyForOthers(out);
  return { out, packages };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--out");
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const out =
    at >= 0 && process.argv[at + 1] ? resolve(process.argv[at + 1] ?? "") : join(root, "dist/parley");
  const started = Date.now();
  const summary = buildProduction({ root, out });
  console.log(
    `${basename(process.argv[1])}: ${relative(process.cwd(), summary.out) || "."} with ${summary.packages.length} production packages (${Date.now() - started} ms)`,
  );
}
