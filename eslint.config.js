import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import vitest from '@vitest/eslint-plugin';
import tseslint from 'typescript-eslint';

/*
 * Layers of packages/server/src, bottom to top. A file may import from its own layer and
 * the ones below it, never from above; the services of layer 4 never import each other.
 *
 *   1. config.ts, lib/, contract/  configuration, small helpers, the sidecar <-> identity contract
 *   2. storage/, stores/           the identity database; the sidecar's session and nonce stores
 *   3. ops/                        what both services share: errors on the wire, health, metrics, shutdown
 *   4. identity/, sidecar/         the two services (admin lives inside identity/)
 *   5. stack.ts, cli/, index.ts    composition: wiring the services together, the CLI, the package entry
 *
 * `import-x/no-restricted-paths` enforces the order; `import-x/no-cycle` forbids cycles of
 * any kind (type-only imports included) in every package.
 */
const SERVER = './packages/server/src';
const COMPOSITION = ['stack.ts', 'in-process-upstream.ts', 'database-client-directory.ts', 'index.ts', 'cli'].map((f) => `${SERVER}/${f}`);
const layerZones = [
  { target: [`${SERVER}/config.ts`, `${SERVER}/lib`, `${SERVER}/contract`], layer: 'the foundation (config, lib, contract)',
    from: ['storage', 'stores', 'ops', 'identity', 'sidecar'].map((d) => `${SERVER}/${d}`) },
  { target: [`${SERVER}/storage`], layer: 'storage', from: ['stores', 'ops', 'identity', 'sidecar'].map((d) => `${SERVER}/${d}`) },
  { target: [`${SERVER}/stores`], layer: 'the stores', from: ['storage', 'ops', 'identity', 'sidecar'].map((d) => `${SERVER}/${d}`) },
  { target: [`${SERVER}/ops`], layer: 'ops', from: ['identity', 'sidecar'].map((d) => `${SERVER}/${d}`) },
  { target: [`${SERVER}/identity`], layer: 'the identity API', from: [`${SERVER}/sidecar`] },
  // The sidecar holds no database credentials: it is handed a client lookup instead.
  { target: [`${SERVER}/sidecar`], layer: 'the sidecar', from: [`${SERVER}/identity`, `${SERVER}/storage`] },
].map(({ target, layer, from }) => ({
  target,
  from: [...from, ...COMPOSITION],
  message: `${layer} may only import from layers below it (see the layer order in eslint.config.js).`,
}));


export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'data/**',
      // Mutation testing: its sandbox copies of the repository and its reports.
      '.stryker-tmp/**',
      'reports/**',
      'bench/results/**',
      'packages/journey/public/**',
      // Compiled by the consumer check alone, against the packed packages.
      'scripts/consumer-app/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensionAlias: { '.js': ['.ts', '.js'] } })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  {
    // Tests must assert, assert unconditionally, await what they expect, and never narrow or
    // skip the run (a focused or skipped test would hide the rest of the suite from CI).
    files: ['packages/*/test/**/*.ts', 'bench/test/**/*.ts'],
    plugins: { vitest },
    rules: {
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*', '*.expect*', 'fc.assert'] }],
      'vitest/no-conditional-expect': 'error',
      'vitest/valid-expect': ['error', { alwaysAwait: true, maxArgs: 2 }],
      'vitest/no-focused-tests': 'error',
      'vitest/no-disabled-tests': 'error',
      'vitest/no-identical-title': 'error',
      'vitest/no-standalone-expect': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
