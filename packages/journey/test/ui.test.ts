import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJourneyApp } from '../src/app.js';
import { loadJourneyConfig } from '../src/config.js';
import { chromiumAvailable, launchChromium } from '../../client/test/support/chromium.js';
import { startTestStack, type TestStack } from '../../client/test/support/stack.js';

// The README's screenshot is refreshed only on request (UPDATE_SCREENSHOT=1), so a test run
// leaves the work tree clean; otherwise the picture still gets taken, into a temporary file.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1'
  ? fileURLToPath(new URL('../../../docs/journey.png', import.meta.url))
  : join(tmpdir(), `journey-${process.pid}.png`);
const hasChromium = chromiumAvailable();

let stack: TestStack;
let app: FastifyInstance;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  stack = await startTestStack();
  app = await createJourneyApp(loadJourneyConfig({}), { sidecarUrl: stack.sidecarUrl, embedded: true });
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

    await page.reload();
    // The state arrives after the page: wait for it, then every card is as it was.
    await expect.poll(() => card(page, 3).getAttribute('data-state'), { timeout: 10_000 }).toBe('success');
    for (const step of [1, 2, 3]) expect(await card(page, step).getAttribute('data-state'), `step ${step}`).toBe('success');
    for (const step of [4, 5, 6, 'verify'] as const) expect(await card(page, step).getAttribute('data-state'), `step ${step}`).toBe('idle');
    expect(await card(page, 3).locator('.summary').textContent()).toBe(introspection);
    expect(await card(page, 1).locator('.summary').textContent()).toContain('anonymous');
    expect(await page.locator('#progress').textContent()).toBe('3 / 6 steps done');

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

    const context = await browser.newContext({ viewport: { width: 1320, height: 900 }, deviceScaleFactor: 1 });
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

    await card(page, 3).locator('details.response summary').click();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  });
});
