/**
 * Import cycles, type-only ones included, fail `npm run lint`. ESLint's import-x/no-cycle
 * skips `import type`, so this check covers what it cannot see; the layer order itself is
 * enforced by ESLint (see eslint.config.js).
 */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (a type-only one too) ties modules that should be read and changed one at a time.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    // Keep `import type` edges: a type-only cycle is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
