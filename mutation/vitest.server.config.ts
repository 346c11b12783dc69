import { defineConfig } from 'vitest/config';
import base from '../vitest.config.js';

// The server tests that exercise the rule-bearing modules the server mutation run mutates
// (see stryker.server.config.mjs); the slow process and browser tests stay out.
// Spread, not mergeConfig: mergeConfig would add these patterns to the base ones.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'packages/server/test/config*.test.ts',
      'packages/server/test/lib/**/*.test.ts',
      'packages/server/test/identity/**/*.test.ts',
      'packages/server/test/sidecar/**/*.test.ts',
      'packages/server/test/stores/**/*.test.ts',
    ],
    exclude: ['packages/server/test/identity/idsvc-command.test.ts', 'packages/server/test/identity/openapi.test.ts'],
  },
});
