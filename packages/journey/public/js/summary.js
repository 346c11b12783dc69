// The run summary after "Run all": a timeline of the steps (duration, session key in use)
// and the export of the run as the same JSON document `--cli --json` prints.

import { el, headerValue } from './dom.js';

/** The steps the terminal journey runs; step 7 is the web UI's extra card. */
const CLI_STEPS = [1, 2, 3, 4, 5, 6];

/**
 * The `--cli --json` document from the UI's results. `results` maps a step number to
 * the step's JSON answer, or to `{blocked: message}` for a step refused as too early.
 */
export function runDocument(info, names, results) {
  const steps = CLI_STEPS.map((n) => {
    const result = results.get(n);
    if (!result || 'blocked' in result) {
      return { step: n, name: names.get(n), success: false, skipped: true, error: result?.blocked ?? 'Not run' };
    }
    return result;
  });
  const passed = steps.filter((s) => s.success).length;
  return {
    ok: passed === CLI_STEPS.length,
    passed,
    total: CLI_STEPS.length,
    clientId: info.clientId,
    authMethod: info.authMethod,
    sidecarUrl: info.sidecarUrl,
    steps,
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
  for (const [n, result] of [...results.entries()].sort((a, b) => a[0] - b[0])) {
    const row = el('li', 'tl-row');
    row.dataset.step = String(n);
    const blocked = 'blocked' in result;
    row.dataset.state = blocked ? 'blocked' : result.success ? 'success' : 'failure';
    row.append(el('span', 'tl-name', `${n}. ${names.get(n)}`));
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
  section.querySelector('.run-total').textContent =
    `${doc.passed} of ${doc.total} journey steps passed · ${total.toFixed(1)} ms of round trips in all`;
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
