import { defineConfig } from 'vitest/config';
import base from '../vitest.config.js';

// The protocol package's tests alone: what the protocol mutation run executes per mutant.
// Spread, not mergeConfig: mergeConfig would add these patterns to the base ones.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['packages/protocol/test/**/*.test.ts'],
  },
});
