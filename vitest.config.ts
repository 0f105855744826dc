import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Every suite starts its own simulated cloud on an ephemeral 127.0.0.1 port.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
