#!/usr/bin/env node
// The `idsvc` command. It runs the compiled CLI (dist/cli/main.js). In a checkout where the
// packages were installed but never built (`npm ci` alone), it builds them first, once, so
// the command works as soon as the dependencies are there; build output goes to stderr,
// keeping stdout for the command's own (JSON) output.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);

if (!existsSync(main)) {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write('idsvc: the server package is not built and TypeScript is not installed; run `npm run build`.\n');
    process.exit(1);
  }
  process.stderr.write('idsvc: first run in this checkout, building the server package...\n');
  const build = spawnSync(process.execPath, [tsc, '-b', packageDir], { stdio: ['ignore', 2, 2] });
  if (build.status !== 0 || !existsSync(main)) {
    process.stderr.write('idsvc: the build failed; run `npm run build` to see why.\n');
    process.exit(1);
  }
}

await import(main.href);
