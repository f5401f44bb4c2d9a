// Runs before `npm start` and `npm test` on whatever Node the machine has, so it is plain
// JavaScript that any Node can run: Parley needs Node 24 (it runs TypeScript as is).
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  console.error(
    `Parley needs Node 24 or later; this is Node ${process.versions.node}. ` +
      "Run `source scripts/use-node24.sh` (installs Node 24 from the npm registry into ~/.cache/parley/tools) " +
      "or install it from https://nodejs.org, then run the command again.",
  );
  process.exit(1);
}
