/**
 * The error table of docs/protocol.md against the code's catalogue: every wire error code
 * the protocol package defines (`ERROR_CODES`, under its wire name) and every error class
 * the identity API throws (`packages/server/src/lib/oauth-error.ts`) must have a row with
 * the same status, and every row must name a code the code can send. The table is what
 * other languages' clients are written from, so a code added in one place only fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, wireError, type ErrorCode } from '../src/errors.js';
import * as oauthErrors from '../../server/src/lib/oauth-error.js';

const SPEC = new URL('../../../docs/protocol.md', import.meta.url);

interface Row {
  code: string;
  status: number;
  meaning: string;
  line: number;
}

/**
 * The rows of the first table headed exactly `| code | status | meaning |`. Throws on a row
 * whose code is not in backticks or whose status is not an integer, so a typo in the
 * document cannot make a row silently disappear.
 */
function errorTable(markdown: string): Row[] {
  const lines = markdown.split('\n');
  const head = lines.findIndex((l) => l.trim() === '| code | status | meaning |');
  if (head < 0) throw new Error('docs/protocol.md has no table headed | code | status | meaning |');
  if (!/^\|(\s*:?-+:?\s*\|){3}$/.test(lines[head + 1]?.trim() ?? '')) throw new Error('the error table has no separator line');
  const rows: Row[] = [];
  for (let i = head + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const cells = lines[i]!.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
    const [code, status, ...meaning] = cells;
    const codeMatch = /^`([a-z_]+)`$/.exec(code ?? '');
    if (codeMatch === null) throw new Error(`line ${i + 1}: the code cell must be one code in backticks, got ${code}`);
    if (!/^[1-5][0-9]{2}$/.test(status ?? '')) throw new Error(`line ${i + 1}: the status cell must be an HTTP status, got ${status}`);
    rows.push({ code: codeMatch[1]!, status: Number(status), meaning: meaning.join('|'), line: i + 1 });
  }
  return rows;
}

/** Each concrete error class of the identity API, with the code and status it answers. */
function identityErrors(): { name: string; code: string; status: number }[] {
  const found: { name: string; code: string; status: number }[] = [];
  for (const [name, value] of Object.entries(oauthErrors)) {
    if (typeof value !== 'function' || value === oauthErrors.OAuthError) continue;
    if (!(value.prototype instanceof oauthErrors.OAuthError)) continue;
    // Every subclass takes a text (detail or description) first; the rest are optional.
    const Class = value as unknown as new (text: string) => oauthErrors.OAuthError;
    const err = new Class('error table test');
    found.push({ name, code: err.toBody().error, status: err.status });
  }
  return found;
}

const rows = errorTable(readFileSync(SPEC, 'utf8'));
const has = (code: string, status: number) => rows.some((r) => r.code === code && r.status === status);
const catalogue = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => ({
  code,
  wire: wireError(code),
  status: ERROR_CODES[code].status,
}));

describe('the error table of docs/protocol.md', () => {
  it('has rows, each with a meaning', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.meaning, `line ${row.line}`).not.toBe('');
  });

  it.each(catalogue)('lists $code under its wire name with its status', ({ wire, status }) => {
    expect(has(wire, status), `no row | \`${wire}\` | ${status} |`).toBe(true);
  });

  it('lists every error class of the identity API with its code and status', () => {
    const classes = identityErrors();
    // The module's classes were found at all (a renamed base class would empty the list).
    expect(classes.map((c) => c.name)).toContain('InvalidGrantError');
    const missing = classes.filter((c) => !has(c.code, c.status)).map((c) => `${c.name}: ${c.code} ${c.status}`);
    expect(missing).toEqual([]);
  });

  it('names only codes the code can send', () => {
    const known = new Set([...catalogue.map((c) => c.wire), ...identityErrors().map((c) => c.code)]);
    const unknown = rows.filter((r) => !known.has(r.code)).map((r) => `line ${r.line}: ${r.code}`);
    expect(unknown).toEqual([]);
  });

  it('has no row twice', () => {
    const keys = rows.map((r) => `${r.code} ${r.status}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
  });
});
