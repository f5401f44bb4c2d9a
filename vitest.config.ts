import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "apps/server/src/**/*.test.ts",
      "apps/server/test/**/*.test.ts",
      "apps/web/src/**/*.test.ts",
      "apps/widget/src/**/*.test.ts",
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a page or a server to reach a state; vitest's 1 s default is shorter
    // than a page reload takes on a loaded 2-core CI machine. A poll that asserts a time bound
    // passes its own timeout.
    expect: { poll: { timeout: 10_000 } },
    pool: "forks",
    // Integration tests share two cores with PostgreSQL, NATS and Redis.
    maxWorkers: 2,
    // CI also writes a machine-readable summary that .ci/run turns into one closing line.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
