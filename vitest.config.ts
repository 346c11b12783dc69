import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so `npm test` needs no build first.
    alias: {
      // The longer specifier first: aliases match by prefix, first entry wins.
      '@idsvc/protocol/web': fileURLToPath(new URL('./packages/protocol/src/web.ts', import.meta.url)),
      '@idsvc/protocol': src('protocol'),
      '@idsvc/client': src('client'),
      '@idsvc/server': src('server'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    // Two cores: one worker per core, database-heavy files stay isolated by their own database.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
