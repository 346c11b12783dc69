/**
 * The SDK's reference documentation (TypeDoc, `npm run docs:sdk`, into docs/sdk) covers
 * every name an application can import, and the README links to it. CI rebuilds it with
 * warnings as errors and fails when the committed pages differ from the sources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as node from '../src/index.js';

const DOCS = fileURLToPath(new URL('../../../docs/sdk/', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));

describe('the SDK reference in docs/sdk', () => {
  it('has a page for every value the Node entry exports', () => {
    for (const name of Object.keys(node)) {
      const page = typeof (node as Record<string, unknown>)[name] === 'function' && /^[A-Z]/.test(name) ? 'classes' : 'functions';
      expect(existsSync(`${DOCS}@idsvc/client/${page}/${name}.md`), name).toBe(true);
    }
  });

  it('documents the web entry and its browser option', () => {
    const options = readFileSync(`${DOCS}@idsvc/client/web/interfaces/WebIdentityClientOptions.md`, 'utf8');
    expect(options).toContain('dangerouslyAllowSecretInBrowser');
  });

  it('is linked from the SDK README', () => {
    expect(readFileSync(README, 'utf8')).toContain('](../../docs/sdk/README.md)');
  });
});
