/**
 * `npm run env:example`: rewrite the server's part of `.env.example` at the repository
 * root from the configuration's declaration (packages/server/src/config.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withServerPart } from '../src/config/env-example.js';

const file = fileURLToPath(new URL('../../../.env.example', import.meta.url));
const before = readFileSync(file, 'utf8');
const after = withServerPart(before);
if (after === before) {
  process.stdout.write('.env.example is up to date\n');
} else {
  writeFileSync(file, after);
  process.stdout.write('.env.example rewritten from the configuration declaration\n');
}
