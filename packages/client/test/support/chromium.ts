/**
 * Headless Debian Chromium through playwright-core (no browser download). Where
 * /usr/bin/chromium is missing, browser tests are skipped with a visible message locally,
 * and fail under CI=true.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when the browser tests can run; warns (locally) or throws (CI) otherwise. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM_PATH} is missing: CI must install Debian's chromium`);
  console.warn(`\n*** SKIPPING browser tests: ${CHROMIUM_PATH} is not installed (apt-get install chromium) ***\n`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
