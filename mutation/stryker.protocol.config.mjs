// Mutation testing of the protocol package: every rule of the wire format (key validation,
// HKDF, AAD, envelopes, HMAC, idempotency keys, errors) must be pinned by a test that fails
// when the rule is changed. Run with `npm run mutation:protocol`; CI runs it too.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'mutation/vitest.protocol.config.ts', related: false },
  mutate: [
    'packages/protocol/src/**/*.ts',
    // Re-exports and type declarations only: nothing to mutate.
    '!packages/protocol/src/index.ts',
    '!packages/protocol/src/web.ts',
    '!packages/protocol/src/backends/types.ts',
  ],
  // Two cores: two test processes. Every run starts from scratch (no incremental file).
  concurrency: 2,
  incremental: false,
  coverageAnalysis: 'perTest',
  timeoutMS: 20000,
  ignorePatterns: ['bench', 'docs', 'data', 'packages/journey', 'reports', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/protocol.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  // The goal is 90 % (docs/testing.md); the break stays under the last measured score (89.8 %), with room for timing,
  // so CI fails on a regression, and rises as survivors are killed.
  thresholds: { high: 95, low: 90, break: 85 },
};
