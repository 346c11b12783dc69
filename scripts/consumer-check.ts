/**
 * The packages as an application developer receives them: `npm pack` of @idsvc/protocol
 * and @idsvc/client, installed into a fresh app in a temporary folder, compiled under a
 * strict NodeNext configuration with `lib: ["ES2022"]`, no DOM and `skipLibCheck: false`,
 * then run against a real stack in Node and, bundled by esbuild, in headless Chromium.
 *
 * Run after `npm run build`: `npx tsx scripts/consumer-check.ts`. Exits non-zero on the
 * first failure, naming it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig, startStack, type Stack } from '@idsvc/server';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('./consumer-app', import.meta.url));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const CHROMIUM = '/usr/bin/chromium';
const PACKAGES = ['protocol', 'client'] as const;
/** The seeded development client (its secret is a published dummy value). */
const DEV_BASIC = ['dev-client', 'DevSec-LwgT7vXGZk2njwglKWZBYW7q1sdNTElTQ!'] as const;

function step(title: string): void {
  console.log(`== consumer: ${title}`);
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** Pack one workspace package and check what the tarball holds. */
function pack(pkg: string, into: string): string {
  if (!existsSync(join(REPO, 'packages', pkg, 'dist/index.d.ts'))) {
    throw new Error(`packages/${pkg}/dist is missing: run npm run build first`);
  }
  const [result] = JSON.parse(
    run('npm', ['pack', '--json', '--pack-destination', into, `--workspace=@idsvc/${pkg}`], REPO),
  ) as PackResult[];
  if (!result) throw new Error(`npm pack gave no result for ${pkg}`);
  const paths = result.files.map((f) => f.path);
  for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']) {
    if (!paths.includes(required)) throw new Error(`${result.filename} lacks ${required}`);
  }
  const stray = paths.filter((p) => p.endsWith('.tsbuildinfo') || p.includes('/test/'));
  if (stray.length > 0) throw new Error(`${result.filename} ships ${stray.join(', ')}`);
  return join(into, result.filename);
}

async function inBrowser(bundle: string, sidecarPort: (origin: string) => Promise<Stack>): Promise<void> {
  const page = createServer((req, res) => {
    if (req.url === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><script type="module" src="/app.js"></script>');
    }
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  const address = page.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const stack = await sidecarPort(origin);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    const tab = await browser.newPage();
    await tab.goto(origin);
    await tab.waitForFunction(() => 'runJourney' in globalThis);
    const subject = await tab.evaluate(
      ([url, id, secret]) =>
        (globalThis as unknown as { runJourney(u: string, i: string, s: string): Promise<string> }).runJourney(url, id, secret),
      [stack.sidecarUrl, ...DEV_BASIC] as const,
    );
    if (subject !== 'browser-user') throw new Error(`the browser journey answered ${subject}`);
    console.log('browser: journey passed on WebCrypto, cross-origin');
  } finally {
    await browser?.close();
    await stack.close();
    await new Promise<void>((resolve) => page.close(() => resolve()));
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'idsvc-consumer-'));
  let stack: Stack | undefined;
  const startTestStack = (env: Record<string, string> = {}): Promise<Stack> =>
    startStack(
      loadConfig({
        MODE: 'development',
        LOG_LEVEL: 'silent',
        IDENTITY_PORT: '0',
        SIDECAR_PORT: '0',
        SQLITE_PATH: join(work, `identity-${Date.now()}.db`),
        ...env,
      }),
    );
  try {
    step('pack');
    const tarballs = PACKAGES.map((pkg) => pack(pkg, work));

    step('install into a fresh app');
    const app = join(work, 'app');
    cpSync(TEMPLATE, app, { recursive: true });
    const dependencies: Record<string, string> = { '@types/node': '^20.19.0' };
    PACKAGES.forEach((pkg, i) => (dependencies[`@idsvc/${pkg}`] = `file:${tarballs[i]}`));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module', dependencies }, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);

    step('compile (strict, NodeNext, lib ES2022, no DOM, skipLibCheck false)');
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], app);
    // The browser entry's declarations need no Node types: a browser app has DOM, not @types/node.
    run(process.execPath, [TSC, '-p', 'tsconfig.browser.json'], app);

    step('run in Node against a stack');
    stack = await startTestStack();
    // Asynchronously: the stack answers from this very process.
    const { stdout } = await promisify(execFile)(process.execPath, [join(app, 'dist/node.js'), stack.sidecarUrl, ...DEV_BASIC], { cwd: app });
    process.stdout.write(stdout);
    await stack.close();
    stack = undefined;

    step('bundle the web entry with esbuild');
    const result = await build({
      entryPoints: [join(app, 'src/browser.ts')],
      absWorkingDir: app,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const bundle = result.outputFiles[0]!.text;
    if (/["']node:/.test(bundle)) throw new Error('the browser bundle reaches a node: module');
    console.log(`bundle: ${(bundle.length / 1024).toFixed(1)} kB`);

    step('run in Chromium against a stack');
    if (!existsSync(CHROMIUM)) {
      // As the browser tests do: CI must have Chromium; elsewhere the skip is said aloud.
      if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium`);
      console.warn(`*** SKIPPING the browser run: ${CHROMIUM} is not installed (apt-get install chromium) ***`);
      return;
    }
    await inBrowser(bundle, (origin) => startTestStack({ CORS_ORIGINS: origin }));
  } finally {
    await stack?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => console.log('== consumer: passed'),
).catch((err: unknown) => {
  console.error(`consumer check failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
