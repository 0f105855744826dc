import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // As tsconfig.json's paths: the stacks import the components' sources by package name, the same
  // modules the tests import (one AwsHaPair class), with no build needed.
  resolve: { alias: { "@ha-pair/pulumi": fileURLToPath(new URL("./components/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    globalSetup: ["test/global-setup.ts"],
    // Every suite starts its own simulated cloud on an ephemeral 127.0.0.1 port.
    pool: "forks",
    // Most suites wait on simulated latency, LROs and timers rather than compute: on a 2-core
    // machine vitest's default (cores - 1 = one fork) runs them one after another. Three forks
    // overlap the waiting; CPU-bound work is small.
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
