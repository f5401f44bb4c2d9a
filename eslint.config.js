// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import globals from "globals";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "data/**", ".tools/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ["*.js", "*.mjs", "*.cjs", "deploy/compose/*.mjs", "scripts/*.mjs"],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/apps/web/**"], message: "server and contracts never import the web app" }],
        },
      ],
    },
  },
  {
    files: ["packages/contracts/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/apps/**", "@parley/server", "@parley/web"],
              message: "contracts import nothing from the apps",
            },
          ],
        },
      ],
    },
  },
  {
    // The kernel is what every module needs; it depends on no module and not on the HTTP edge.
    files: ["apps/server/src/kernel/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/http/**", "**/modules/**", "**/app/**", "**/cli/**"],
              message: "the kernel imports nothing from the edge, the modules or the composition root",
            },
          ],
        },
      ],
    },
  },
  {
    // A module reaches another only through its index.ts (its manifest and public types).
    files: ["apps/server/src/modules/*/*.ts"],
    ignores: ["**/*.test.ts", "**/*-test-support.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./(?!\\.\\.)[^/]+/(?!index\\.ts$)",
              message: "import another module through its index.ts, never its internal files",
            },
            { regex: "^\\.\\./\\.\\./(app|cli)/", message: "modules never import the composition root" },
          ],
        },
      ],
    },
  },
  {
    files: ["apps/server/src/modules/*/*/*.ts"],
    ignores: ["**/*.test.ts", "**/*-test-support.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./\\.\\./(?!\\.\\.)[^/]+/(?!index\\.ts$)",
              message: "import another module through its index.ts, never its internal files",
            },
            {
              regex: "^\\.\\./\\.\\./\\.\\./(app|cli)/",
              message: "modules never import the composition root",
            },
          ],
        },
      ],
    },
  },
  {
    // The HTTP edge serves modules' routes; it knows no module (they plug into it).
    files: ["apps/server/src/http/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/modules/**", "**/app/**"], message: "the HTTP edge imports no module" }] },
      ],
    },
  },
  {
    files: ["apps/web/**/*.{ts,tsx}", "apps/widget/src/**/*.ts"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
