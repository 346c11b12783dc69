import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyApp } from '../src/app.js';
import { runCli } from '../src/cli.js';
import { loadJourneyConfig } from '../src/config.js';
import { chromiumAvailable, launchChromium } from '../../client/test/support/chromium.js';
import { startTestStack, type TestStack } from '../../client/test/support/stack.js';

// The README's screenshots are refreshed only on request (UPDATE_SCREENSHOT=1), so a test
// run leaves the work tree clean; otherwise the pictures still get taken, into temporary files.
const screenshotPath = (name: string): string =>
  process.env.UPDATE_SCREENSHOT === '1'
    ? fileURLToPath(new URL(`../../../docs/${name}.png`, import.meta.url))
    : join(tmpdir(), `${name}-${process.pid}.png`);
const hasChromium = chromiumAvailable();

let stack: TestStack;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  stack = await startTestStack();
  // As `npm start` runs it: its own sidecar's handshake keys trusted.
  app = await createJourneyApp(loadJourneyConfig({ SIDECAR_KEYS_URL: `${stack.sidecarUrl}/.well-known/sidecar-jwks.json` }), {
    sidecarUrl: stack.sidecarUrl,
    identityUrl: stack.identityUrl,
    embedded: true,
  });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await stack?.close();
});

const card = (page: Page, step: number | 'verify') => page.locator(`#step-${step}`);

async function runCard(page: Page, step: number | 'verify'): Promise<void> {
  await card(page, step).locator('button.run').click();
  await page.waitForSelector(`#step-${step}:not([data-state="running"]):not([data-state="idle"])`);
}

describe.skipIf(!hasChromium)('the web UI in headless Chromium', { timeout: 60_000 }, () => {
  it('walks the six steps one by one, then verify shows the family is dead', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(baseUrl);
    await expect.poll(() => page.locator('#meta-client').textContent(), { timeout: 10_000 }).toBe('dev-client');

    for (const step of [1, 2, 3, 4, 5, 6]) {
      await runCard(page, step);
      expect(await card(page, step).getAttribute('data-state'), `step ${step}`).toBe('success');
    }
    expect(await page.locator('#progress').textContent()).toBe('6 / 6 steps done');
    await runCard(page, 'verify');
    expect(await card(page, 'verify').getAttribute('data-state')).toBe('success');
    expect(await card(page, 1).locator('.summary').textContent()).toContain('anonymous');
    expect(await card(page, 4).locator('.summary').textContent()).toContain('authenticated');
    // Both session inits were signed by the sidecar's handshake key, and the UI says so.
    for (const step of [1, 4]) {
      expect(await card(page, step).locator('.sidecar-auth').textContent()).toMatch(/^sidecar authenticated \(kid [A-Za-z0-9_-]{43}\)$/);
    }
    expect(await card(page, 3).locator('.summary').textContent()).toContain('test-corp');
    expect(await card(page, 'verify').locator('h2').textContent()).toBe('Verify: the family is dead');
    expect(await card(page, 'verify').locator('.summary').textContent()).toContain('invalid_token');
    expect(await page.locator('#progress').textContent()).toBe('6 / 6 steps done, verify passed');

    // The detail: request headers with the credential masked, ciphertext and decrypted text.
    await card(page, 2).locator('details.request summary').click();
    await card(page, 2).locator('details.response summary').click();
    const request = await card(page, 2).locator('details.request').textContent();
    expect(request).toContain('Basic ZGV2…');
    expect(request).toContain('"include_refresh_token": true');
    expect(request).toContain('"payload"');
    expect(request).not.toContain('DevSec');
    const response = await card(page, 2).locator('details.response').textContent();
    expect(response).toContain('Body (decrypted)');
    expect(response).toContain('"refresh_token"');
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('after a reload shows the journey as the server has it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(baseUrl);
    for (const step of [1, 2, 3]) await runCard(page, step);
    const introspection = await card(page, 3).locator('.summary').textContent();
    const flowOf = (step: number) => card(page, step).locator('.flow').textContent();
    const flows = [await flowOf(1), await flowOf(2), await flowOf(3)];
    const token = await card(page, 2).locator('[data-token="access"] button.copy').first().getAttribute('data-copy');

    await page.reload();
    // The state arrives after the page: wait for it, then every card is as it was.
    await expect.poll(() => card(page, 3).getAttribute('data-state'), { timeout: 10_000 }).toBe('success');
    for (const step of [1, 2, 3]) expect(await card(page, step).getAttribute('data-state'), `step ${step}`).toBe('success');
    for (const step of [4, 5, 6, 'verify'] as const) expect(await card(page, step).getAttribute('data-state'), `step ${step}`).toBe('idle');
    expect(await card(page, 3).locator('.summary').textContent()).toBe(introspection);
    expect(await card(page, 1).locator('.summary').textContent()).toContain('anonymous');
    expect(await page.locator('#progress').textContent()).toBe('3 / 6 steps done');
    // Drawn as when they ran: the same flow pictures, the step-2 token decoded and checked.
    expect([await flowOf(1), await flowOf(2), await flowOf(3)]).toEqual(flows);
    const access = card(page, 2).locator('[data-token="access"]');
    expect(await access.locator('button.copy').first().getAttribute('data-copy')).toBe(token);
    await expect.poll(() => access.locator('.sig').getAttribute('data-sig'), { timeout: 10_000 }).toBe('pass');
    // Not a finished run: no summary yet.
    expect(await page.locator('#run-summary').isHidden()).toBe(true);

    // And the journey goes on from there: step 4 uses the step-2 token issued before the reload.
    await runCard(page, 4);
    expect(await card(page, 4).getAttribute('data-state')).toBe('success');
    expect(await page.locator('#progress').textContent()).toBe('4 / 6 steps done');

    // Reset, reload: nothing done.
    await page.locator('#reset').click();
    await page.reload();
    await expect.poll(() => page.locator('#run-all').isEnabled(), { timeout: 10_000 }).toBe(true);
    expect(await card(page, 1).getAttribute('data-state')).toBe('idle');
    expect(await page.locator('#progress').textContent()).toBe('0 / 6 steps done');
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('blocks a step run too early with the seed-style message', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(baseUrl);
    await runCard(page, 3);
    expect(await card(page, 3).getAttribute('data-state')).toBe('blocked');
    expect(await card(page, 3).locator('.error').textContent()).toBe('Run step 2 first (token issue)');
    await context.close();
  });

  it('"Run all" completes every card, each browser on its own journey; saves the README screenshot', async () => {
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(baseUrl);
    await runCard(otherPage, 1);

    const context = await browser.newContext({ viewport: { width: 1320, height: 900 }, deviceScaleFactor: 1, colorScheme: 'dark' });
    const page = await context.newPage();
    await page.goto(baseUrl);
    await page.locator('#run-all').click();
    await page.waitForSelector('#step-verify[data-state="success"]', { timeout: 30_000 });
    for (const step of [1, 2, 3, 4, 5, 6, 'verify'] as const) {
      expect(await card(page, step).getAttribute('data-state')).toBe('success');
    }
    await expect.poll(() => page.locator('#run-all').isEnabled(), { timeout: 10_000 }).toBe(true);

    // The other browser's journey was not touched: its step 1 session is still there.
    await runCard(otherPage, 2);
    expect(await card(otherPage, 2).getAttribute('data-state')).toBe('success');
    await other.close();

    // The top of the page: header, run summary and the first two cards with flow and tokens.
    await page.screenshot({ path: screenshotPath('journey'), fullPage: true, clip: { x: 0, y: 0, width: 1320, height: 1900 } });
    await context.close();
  });

  it('draws each step from its wire detail: three lanes, encrypted and plaintext hops, sizes, marks', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const answers = captureStepAnswers(page);
    await page.goto(baseUrl);
    await runAllAndWait(page);

    for (const step of [1, 2, 3, 4, 5, 6, 'verify'] as const) {
      const result = answers.get(step) as WireResult;
      expect(result, `step ${step} answer`).toBeDefined();
      const flow = card(page, step).locator('.flow');
      expect(await flow.locator('.lane-head').allTextContents()).toEqual(['Client', 'Sidecar', 'Identity API']);
      const hops = await flow.locator('.hop').evaluateAll((items) =>
        items.map((h) => ({
          from: (h as HTMLElement).dataset.from,
          to: (h as HTMLElement).dataset.to,
          protection: (h as HTMLElement).dataset.protection,
          text: h.textContent ?? '',
        })),
      );
      const first = hops[0]!;
      const last = hops.at(-1)!;
      expect([first.from, first.to]).toEqual(['client', 'sidecar']);
      expect([last.from, last.to]).toEqual(['sidecar', 'client']);
      // What the client sent and received: an envelope is marked encrypted, with its size.
      const sent = result.requestBodyEncrypted ?? result.requestBodyPlaintext ?? '';
      const got = result.responseBodyEncrypted ?? result.responseBodyDecrypted ?? '';
      expect(first.protection, `step ${step} request`).toBe(result.requestBodyEncrypted ? 'encrypted' : 'plaintext');
      expect(last.protection, `step ${step} answer`).toBe(result.responseBodyEncrypted ? 'encrypted' : 'plaintext');
      expect(first.text).toContain(`${Buffer.byteLength(sent)} B`);
      expect(last.text).toContain(`${Buffer.byteLength(got)} B`);
      expect(last.text).toContain(`${result.durationMs.toFixed(1)} ms`);
      // The hop between the sidecar and the identity API is plaintext, both ways.
      for (const hop of hops.filter((h) => h.from === 'identity' || h.to === 'identity')) {
        expect(hop.protection).toBe('plaintext');
      }
      // An exchange sends an envelope whose plaintext the inner hop carries; any other step is plaintext throughout.
      const exchange = result.kind === 'exchange';
      expect(Boolean(result.requestBodyEncrypted), `step ${step} sends an envelope`).toBe(exchange);
      const inner = hops.filter((h) => exchange && h.from === 'sidecar' && h.to === 'identity').slice(0, 1);
      expect(inner.length, `step ${step} shows the inner hop`).toBe(exchange ? 1 : 0);
      for (const hop of inner) expect(hop.text).toContain(`${Buffer.byteLength(result.requestBodyPlaintext ?? '')} B`);
      expect(hops.every((h) => h.protection === 'plaintext')).toBe(!exchange);
    }

    const marks = async (step: number | 'verify') =>
      card(page, step).locator('.mark').evaluateAll((items) =>
        items.map((m) => `${(m as HTMLElement).dataset.lane}:${(m as HTMLElement).dataset.kind}:${(m as HTMLElement).dataset.ok}`),
      );
    expect(await marks(1)).toEqual(expect.arrayContaining(['client:key:true', 'sidecar:key:true']));
    expect(await marks(2)).toEqual(expect.arrayContaining(['sidecar:nonce:true', 'identity:sign:true']));
    expect(await marks(3)).toContain('identity:verify:true');
    expect(await marks(3)).not.toContain('identity:sign:true');
    expect(await marks(4)).toEqual(expect.arrayContaining(['identity:verify:true', 'sidecar:key:true']));
    expect(await marks('verify')).toContain('identity:verify:false');
    await context.close();
  });

  it('decodes access tokens, checks their signature against the JWKS, and shows refresh tokens as opaque', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answers = captureStepAnswers(page);
    await page.goto(baseUrl);
    await runCard(page, 1);
    await runCard(page, 2);
    const body = JSON.parse((answers.get(2) as WireResult).responseBodyDecrypted ?? '{}') as {
      access_token: string;
      refresh_token: string;
    };
    const [headerPart, claimsPart] = body.access_token.split('.');
    const header = JSON.parse(Buffer.from(headerPart!, 'base64url').toString()) as { kid: string };
    const claims = JSON.parse(Buffer.from(claimsPart!, 'base64url').toString()) as { exp: number; iat: number };

    const access = card(page, 2).locator('[data-token="access"]');
    await expect.poll(() => access.locator('.sig').getAttribute('data-sig'), { timeout: 10_000 }).toBe('pass');
    expect(await access.locator('.kid').textContent()).toContain(header.kid);
    const shown = await access.locator('.claims').allTextContents();
    expect(shown.join(' ')).toContain(new Date(claims.exp * 1000).toISOString().replace('.000Z', 'Z'));
    expect(shown.join(' ')).toContain(new Date(claims.iat * 1000).toISOString().replace('.000Z', 'Z'));
    expect(await access.locator('button.copy').first().getAttribute('data-copy')).toBe(body.access_token);

    const refresh = card(page, 2).locator('[data-token="refresh"]');
    expect(await refresh.locator('h3').textContent()).toContain('opaque');
    expect(await refresh.locator('.claims').count()).toBe(0);
    expect(await refresh.locator('button.copy').getAttribute('data-copy')).toBe(body.refresh_token);
    await context.close();
  });

  it('a tampered access token shows a failed signature', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Change one claim of the token on its way to the page; the signature no longer matches.
    await page.route('**/steps/2', async (route) => {
      const response = await route.fetch();
      const result = (await response.json()) as WireResult;
      const body = JSON.parse(result.responseBodyDecrypted ?? '{}') as { access_token: string };
      const [h, p, sig] = body.access_token.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
      claims.roles = 'superuser';
      body.access_token = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
      result.responseBodyDecrypted = JSON.stringify(body);
      await route.fulfill({ response, json: result });
    });
    await page.goto(baseUrl);
    await runCard(page, 1);
    await runCard(page, 2);
    const access = card(page, 2).locator('[data-token="access"]');
    await expect.poll(() => access.locator('.sig').getAttribute('data-sig'), { timeout: 10_000 }).toBe('fail');
    expect(await access.locator('.sig').textContent()).toContain('signature invalid');
    expect(await access.locator('.claims').last().textContent()).toContain('superuser');
    await context.close();
  });

  it('after "Run all": a timeline with durations and session keys, and an export equal in shape to --cli --json', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const answers = captureStepAnswers(page);
    await page.goto(baseUrl);
    await runAllAndWait(page);

    const rows = page.locator('#run-summary .tl-row');
    expect(await rows.count()).toBe(7);
    const step1 = answers.get(1) as WireResult & { kid: string };
    const step4 = answers.get(4) as WireResult & { kid: string };
    expect(await rows.nth(0).locator('.tl-key').textContent()).toContain(`new: ${step1.kid}`);
    expect(await rows.nth(2).locator('.tl-key').textContent()).toContain(step1.kid);
    expect(await rows.nth(4).locator('.tl-key').textContent()).toContain(step4.kid);
    expect(await rows.nth(1).locator('.tl-ms').textContent()).toBe(`${(answers.get(2) as WireResult).durationMs.toFixed(1)} ms`);

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as CliDocument;

    let printed = '';
    await runCli(loadJourneyConfig({}), { sidecarUrl: stack.sidecarUrl, json: true, color: false, write: (t) => (printed += t) });
    const cli = JSON.parse(printed) as CliDocument;

    expect(Object.keys(exported)).toEqual(Object.keys(cli));
    expect({ ...exported, steps: undefined, verify: undefined }).toEqual({ ...cli, steps: undefined, verify: undefined });
    expect(exported.ok).toBe(true);
    const outline = (s: CliStep) => [s.step, s.name, s.success, s.kind];
    expect(exported.steps.map(outline)).toEqual(cli.steps.map(outline));
    exported.steps.forEach((s, i) => expect(Object.keys(s), `step ${s.step}`).toEqual(Object.keys(cli.steps[i]!)));
    expect(outline(exported.verify)).toEqual(['verify', 'Verify: the family is dead', true, 'exchange']);
    expect(outline(exported.verify)).toEqual(outline(cli.verify));
    expect(Object.keys(exported.verify)).toEqual(Object.keys(cli.verify));
    // The export holds what the server answered, untouched.
    expect(exported.steps[1]).toEqual(answers.get(2));
    expect(exported.verify).toEqual(answers.get('verify'));

    // After a reload the restored run gives the same summary and the same export.
    const total = await page.locator('#run-summary .run-total').textContent();
    expect(total).toContain('6 of 6 journey steps passed, verify passed');
    await page.reload();
    await page.waitForSelector('#run-summary:not([hidden])', { timeout: 10_000 });
    await expect.poll(() => page.locator('#export').isEnabled(), { timeout: 10_000 }).toBe(true);
    expect(await rows.count()).toBe(7);
    expect(await rows.nth(6).locator('.tl-name').textContent()).toBe('Verify: the family is dead');
    expect(await page.locator('#run-summary .run-total').textContent()).toBe(total);
    const [again] = await Promise.all([page.waitForEvent('download'), page.locator('#export').click()]);
    expect(JSON.parse(await readFile((await again.path())!, 'utf8'))).toEqual(exported);
    await context.close();
  });

  it('works by keyboard alone, with a visible focus', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(baseUrl);
    await expect.poll(() => page.locator('#meta-client').textContent(), { timeout: 10_000 }).toBe('dev-client');
    // The buttons stay disabled until the journey's state is shown; a disabled one takes no focus.
    await expect.poll(() => page.locator('#run-all').isEnabled(), { timeout: 10_000 }).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('run-all');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#run-summary:not([hidden])', { timeout: 30_000 });
    expect(await card(page, 'verify').getAttribute('data-state')).toBe('success');
    // Focus moved to the summary; Tab reaches the export, then the cards' controls.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('run-summary-title');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('export');
    // Open the first card's request detail with the keyboard.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const inRequest = await page.evaluate(() => document.activeElement?.closest('#step-1 details.request') !== null);
      if (inRequest) break;
    }
    await page.keyboard.press('Enter');
    expect(await card(page, 1).locator('details.request').getAttribute('open')).not.toBeNull();
    await context.close();
  });

  for (const scheme of ['dark', 'light'] as const) {
    it(`has no serious or critical axe-core violation (${scheme} theme, desktop and 390 px)`, async () => {
      for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
        const context = await browser.newContext({ viewport, colorScheme: scheme });
        const page = await context.newPage();
        await page.goto(baseUrl);
        await runAllAndWait(page);
        await expect.poll(() => page.locator('.sig[data-sig="pending"]').count(), { timeout: 10_000 }).toBe(0);
        for (const d of await page.locator('details').all()) await d.locator('summary').click();
        const { violations } = await new AxeBuilder({ page }).analyze();
        const bad = violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
        expect(bad, `${scheme} ${viewport.width}px`).toEqual([]);
        await context.close();
      }
    }, 120_000);
  }

  it('at 390 px: the logo keeps its size, nothing overflows, cards stack without gaps; saves the mobile screenshot', async () => {
    // The mobile picture shows the light theme; the desktop one the dark theme.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(baseUrl);
    await runAllAndWait(page);
    const logo = await page.locator('.logo').boundingBox();
    expect([logo?.width, logo?.height]).toEqual([40, 40]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // Opening a card moves the next one down by as much, right below it: no hole beside it.
    await card(page, 2).locator('details.response summary').click();
    const two = (await card(page, 2).boundingBox())!;
    const three = (await card(page, 3).boundingBox())!;
    expect(three.x).toBe(two.x);
    expect(three.y - (two.y + two.height)).toBeLessThanOrEqual(20);
    await card(page, 2).locator('details.response summary').click();
    // Step 2 on a phone: its flow picture and its tokens.
    const top = (await page.evaluate(() => document.getElementById('step-2')!.getBoundingClientRect().top + window.scrollY)) - 8;
    await page.screenshot({ path: screenshotPath('journey-mobile'), fullPage: true, clip: { x: 0, y: top, width: 390, height: 1500 } });
    await context.close();
  });
});

interface WireResult {
  kind: 'exchange' | 'session';
  step: number;
  requestBodyPlaintext: string | null;
  requestBodyEncrypted?: string | null;
  responseBodyEncrypted?: string | null;
  responseBodyDecrypted: string | null;
  durationMs: number;
}

interface CliStep {
  step: number | 'verify';
  name: string;
  success: boolean;
  kind?: string;
}

interface CliDocument {
  ok: boolean;
  steps: CliStep[];
  verify: CliStep;
}

/** Every step answer the page receives, by step number (or `verify`). */
function captureStepAnswers(page: Page): Map<number | 'verify', unknown> {
  const answers = new Map<number | 'verify', unknown>();
  page.on('response', async (response) => {
    const match = /\/steps\/(\d|verify)$/.exec(new URL(response.url()).pathname);
    if (!match || response.request().method() !== 'POST') return;
    const body = (await response.json().catch(() => null)) as { step?: number | 'verify' } | null;
    if (body && (typeof body.step === 'number' || body.step === 'verify')) answers.set(body.step, body);
  });
  return answers;
}

async function runAllAndWait(page: Page): Promise<void> {
  await page.locator('#run-all').click();
  await page.waitForSelector('#run-summary:not([hidden])', { timeout: 30_000 });
  await expect.poll(() => page.locator('#run-all').isEnabled(), { timeout: 10_000 }).toBe(true);
}
