import { defineConfig } from 'vitest/config';

/** Tests of hook bugs that are known and not fixed yet: run on demand, not by `npm test`. */
export default defineConfig({
  test: {
    include: ['test/known-failures/**/*.test.ts'],
    testTimeout: 30_000,
    globalSetup: ['test/build.global.ts'],
  },
});
