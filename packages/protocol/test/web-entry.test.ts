/**
 * The `./web` entry runs without Node: nothing it reaches imports a `node:` module, and it
 * reproduces the vectors inside a real browser (Chromium, via playwright-core).
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserVectors } from './support/browser-vectors.js';
import { loadVectors } from './support/vectors.js';

const PACKAGE = fileURLToPath(new URL('../', import.meta.url));
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** Chromium: CHROMIUM_PATH, else the usual system install locations. */
const CHROMIUM =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p)) ?? 'chromium';

/** Every source file reachable from an entry, with the bare or `node:` specifiers each imports. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [resolve(SRC, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const external: string[] = [];
    graph.set(file, external);
    // preProcessFile lists every import, export-from, side-effect and dynamic import.
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else external.push(specifier);
    }
  }
  return graph;
}

const builtins = new Set(builtinModules);
const isNodeModule = (specifier: string): boolean => specifier.startsWith('node:') || builtins.has(specifier.split('/')[0]!);

describe('the import graph of @idsvc/protocol/web', () => {
  it('reaches no node: module and no other package', () => {
    const graph = importGraph('web.ts');
    const offenders = [...graph].flatMap(([file, specs]) => specs.map((s) => `${relative(SRC, file)} → ${s}`));
    expect(offenders).toEqual([]);
    expect(graph.size).toBeGreaterThan(10);
  });

  it('while the node entry does reach node:crypto (so the scan can see one)', () => {
    const specs = [...importGraph('index.ts').values()].flat();
    expect(specs.some(isNodeModule)).toBe(true);
    expect(specs.every(isNodeModule)).toBe(true);
  });

  it('is what package.json exports as ./web, and the package has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    expect(pkg.exports).toMatchObject({ './web': { types: './dist/web.d.ts', default: './dist/web.js' } });
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.sideEffects).toBe(false);
  });
});

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM}; CI must run the browser test`);
  console.warn(`[protocol] Chromium not found at ${CHROMIUM}: skipping the in-browser test (set CHROMIUM_PATH)`);
}

describe.skipIf(!haveChromium)('@idsvc/protocol/web in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('loads as native ES modules and reproduces the vectors with WebCrypto', async () => {
    const page = await browser.newPage();
    // Serve the TypeScript sources, transpiled one by one, from a secure (localhost) origin.
    await page.route('http://localhost/**', async (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>protocol</title>' });
      const file = resolve(PACKAGE, '.' + path.replace(/\.js$/, '.ts'));
      if (!/^\/(src|test\/support)\//.test(path) || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      const js = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      return route.fulfill({ contentType: 'text/javascript', body: js });
    });
    await page.goto('http://localhost/');

    const vectors: BrowserVectors = {
      keys: loadVectors<BrowserVectors['keys'][number]>('p256_public_keys.json').cases,
      ecdh: loadVectors<BrowserVectors['ecdh'][number]>('ecdh.json').cases,
      hkdf: loadVectors<BrowserVectors['hkdf'][number]>('hkdf.json').cases,
      gcm: loadVectors<BrowserVectors['gcm'][number]>('aes_gcm.json').cases,
      hmac: loadVectors<BrowserVectors['hmac'][number]>('hmac.json').cases,
    };
    // A string, so the test runner does not rewrite the dynamic import for Node.
    const failures = await page.evaluate(
      `import('/test/support/browser-vectors.js').then((m) => m.run(${JSON.stringify(vectors)}))`,
    );
    expect(failures).toEqual([]);
    await page.close();
  }, 60_000); // a browser on a busy 2-core machine can take a while
});
