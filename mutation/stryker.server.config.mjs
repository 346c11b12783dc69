// Mutation testing of the server modules that carry the protocol's and the product's rules:
// the sidecar's envelope, AAD and replay handling (routes, headers, nonce stores), key
// validation at session init, refresh rotation, introspection, revocation, client
// authentication, secrets at rest, and configuration. Run with `npm run mutation:server`
// (a long run: it stays out of CI).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'mutation/vitest.server.config.ts', related: false },
  mutate: [
    'packages/server/src/sidecar/routes/*.ts',
    'packages/server/src/sidecar/protocol-headers.ts',
    'packages/server/src/stores/memory-nonce-store.ts',
    'packages/server/src/stores/redis-nonce-store.ts',
    'packages/server/src/identity/services/refresh-rotation.ts',
    'packages/server/src/identity/services/introspection.ts',
    'packages/server/src/identity/services/revocation.ts',
    'packages/server/src/identity/services/client-auth.ts',
    'packages/server/src/lib/constant-time.ts',
    'packages/server/src/lib/secret-box.ts',
    'packages/server/src/config.ts',
    'packages/server/src/config/values.ts',
    'packages/server/src/config/declare.ts',
  ],
  concurrency: 2,
  incremental: false,
  coverageAnalysis: 'perTest',
  timeoutMS: 30000,
  ignorePatterns: ['bench', 'docs', 'data', 'packages/journey', 'reports', '.stryker-tmp'],
  tempDirName: '.stryker-tmp',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/server.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  thresholds: { high: 95, low: 90, break: null },
};
