import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    globalSetup: ['./packages/testkit/src/global-setup.ts'],
    // Integration tests spawn processes and restart Redis; two workers suit a 2-core machine.
    maxWorkers: 2,
    // Crash cases wait out lease TTLs and restart processes; on a loaded 2-core machine one
    // such case took over 30 s. A hung test still fails, a minute later.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
