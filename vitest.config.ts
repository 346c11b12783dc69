import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so `npm test` needs no build first.
    // Exact matches: a bare string alias would match by prefix and swallow subpaths.
    alias: [
      { find: /^@idsvc\/(protocol|client)\/web$/, replacement: fileURLToPath(new URL('./packages/$1/src/web.ts', import.meta.url)) },
      { find: /^@idsvc\/client\/(message|internal)$/, replacement: fileURLToPath(new URL('./packages/client/src/$1.ts', import.meta.url)) },
      { find: /^@idsvc\/server\/([a-z]+)$/, replacement: fileURLToPath(new URL('./packages/server/src/exports/$1.ts', import.meta.url)) },
      { find: /^@idsvc\/(protocol|client|server)$/, replacement: fileURLToPath(new URL('./packages/$1/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    // Two cores: one worker per core, database-heavy files stay isolated by their own database.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
