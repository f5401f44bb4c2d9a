/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "platform-imports-no-parley-folder",
      comment: "Adapters and ports know nothing of Parley's kernel, modules, edge or root.",
      severity: "error",
      from: { path: "^apps/server/src/platform/" },
      to: { path: "^apps/server/src/(?!platform/)" },
    },
    {
      name: "db-imports-kernel-and-platform-only",
      comment: "The migration runner and SQL helpers know no module (each module brings its migrations).",
      severity: "error",
      from: { path: "^apps/server/src/db/" },
      to: { path: "^apps/server/src/(?!db/|kernel/|platform/)" },
    },
    {
      name: "config-imports-contracts-only",
      severity: "error",
      from: { path: "^apps/server/src/config/" },
      to: { path: "^apps/server/src/(?!config/)" },
    },
    {
      name: "no-circular",
      comment:
        "A file never reaches itself through imports that run: such a cycle makes start-up order decide " +
        "what is undefined. (Type-only imports between the files of one folder may go both ways.)",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "no-folder-cycle",
      severity: "error",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "dist", "\\.test\\.tsx?$", "-test-support\\.ts$"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
      extensions: [".ts", ".tsx", ".js"],
    },
  },
};
