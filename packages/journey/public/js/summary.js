// The run summary after "Run all": a timeline of the steps (duration, session key in use)
// and the export of the run as the same JSON document `--cli --json` prints.

import { el, headerValue } from './dom.js';

/** The six steps the terminal journey runs, then the check after them, verify. */
const CLI_STEPS = [1, 2, 3, 4, 5, 6];
const ORDER = [...CLI_STEPS, 'verify'];

/** A step's (or verify's) answer as the document holds it: a skipped entry if it did not run. */
function outcome(n, names, results) {
  const result = results.get(n);
  if (!result || 'blocked' in result) {
    return { step: n, name: names.get(n), success: false, skipped: true, error: result?.blocked ?? 'Not run' };
  }
  return result;
}

/**
 * The `--cli --json` document from the UI's results. `results` maps a step number (or
 * `verify`) to its JSON answer, or to `{blocked: message}` for one refused as too early.
 */
export function runDocument(info, names, results) {
  const steps = CLI_STEPS.map((n) => outcome(n, names, results));
  const verify = outcome('verify', names, results);
  const passed = steps.filter((s) => s.success).length;
  return {
    ok: passed === CLI_STEPS.length && verify.success === true,
    passed,
    total: CLI_STEPS.length,
    clientId: info.clientId,
    authMethod: info.authMethod,
    sidecarUrl: info.sidecarUrl,
    steps,
    verify,
  };
}

/** The session key a step used: its X-Kid header, or the one a session step made. */
function keyOf(result) {
  if (result.kind === 'session') return result.kid ? `new: ${result.kid}` : 'none';
  return headerValue(result.requestHeaders, 'x-kid') ?? 'none';
}

/** Fill the summary section for the finished run. */
export function renderSummary(section, info, names, results) {
  const list = section.querySelector('.timeline');
  list.replaceChildren();
  const ran = [...results.entries()].filter(([, r]) => !('blocked' in r));
  const longest = Math.max(1, ...ran.map(([, r]) => r.durationMs || 0));
  let total = 0;
  for (const n of ORDER.filter((step) => results.has(step))) {
    const result = results.get(n);
    const row = el('li', 'tl-row');
    row.dataset.step = String(n);
    const blocked = 'blocked' in result;
    row.dataset.state = blocked ? 'blocked' : result.success ? 'success' : 'failure';
    row.append(el('span', 'tl-name', n === 'verify' ? names.get(n) : `${n}. ${names.get(n)}`));
    const bar = el('span', 'tl-bar');
    const fill = el('span', 'tl-fill');
    // Width through the CSSOM: the page's CSP forbids style attributes, not this.
    fill.style.width = blocked ? '0%' : `${Math.max(2, Math.round(((result.durationMs || 0) / longest) * 100))}%`;
    bar.append(fill);
    const ms = blocked ? 'not run' : `${Number(result.durationMs || 0).toFixed(1)} ms`;
    if (!blocked) total += result.durationMs || 0;
    const key = blocked ? '' : keyOf(result);
    const keyCell = el('span', 'tl-key');
    keyCell.append(el('span', 'k', 'key '), el('code', '', key || '—'));
    row.append(bar, el('span', 'tl-ms', ms), keyCell);
    list.append(row);
  }
  const doc = runDocument(info, names, results);
  const verdict = doc.verify.success ? 'passed' : 'skipped' in doc.verify ? 'not run' : 'failed';
  section.querySelector('.run-total').textContent =
    `${doc.passed} of ${doc.total} journey steps passed, verify ${verdict} · ${total.toFixed(1)} ms of round trips in all`;
  section.hidden = false;
  return doc;
}

/** Offer the document as a file download. */
export function downloadJson(document_, filename) {
  const blob = new Blob([`${JSON.stringify(document_, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = el('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
