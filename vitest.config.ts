import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests spawn real backends and bind real ports; two workers fit a 2-core machine.
    maxWorkers: 2,
  },
});
