import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end tests spawn the built executables; peers take a while on a cold machine.
    testTimeout: 30_000,
    hookTimeout: 30 * 60_000,
    // Two cores: spawning executables in many parallel workers only adds noise.
    maxWorkers: 2,
    reporters: ["default", "./test/reporters/summary.ts"],
  },
});
