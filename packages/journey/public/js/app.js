// The journey UI: one card per step, each calling POST /steps/<n> on this server, which
// does the cryptography and talks to the sidecar. No framework; DOM APIs only, and text
// is always inserted as text (never as HTML). The flow picture, the tokens and the run
// summary live in their own modules.

import { copyButton, el } from './dom.js';
import { renderFlow } from './flow.js';
import { downloadJson, renderSummary } from './summary.js';
import { renderTokens } from './tokens.js';

const STEPS = [
  { n: 1, path: '/steps/1', name: 'Session Init (Anonymous ECDH)', route: 'POST /api/v1/session/init', auth: 'no auth',
    what: 'ECDH P-256 key exchange; HKDF-SHA256 derives the AES-256 session key. Anonymous session, 30 min.' },
  { n: 2, path: '/steps/2', name: 'Token Issue (Basic Auth + GCM)', route: 'POST /api/v1/token/issue', auth: 'Basic + GCM',
    what: 'Issue an access token and a refresh token for the subject, with custom claims, in a single session.' },
  { n: 3, path: '/steps/3', name: 'Token Introspection (Bearer + GCM)', route: 'POST /api/v1/introspect', auth: 'Bearer + GCM',
    what: 'Ask whether the step-2 access token is active, and read its claims.' },
  { n: 4, path: '/steps/4', name: 'Session Refresh (Authenticated ECDH)', route: 'POST /api/v1/session/init', auth: 'Bearer + X-Subject',
    what: 'A new session bound to the step-2 token and subject (1 h); the old session key is zeroized.' },
  { n: 5, path: '/steps/5', name: 'Token Refresh (Bearer + GCM)', route: 'POST /api/v1/token', auth: 'Bearer + GCM',
    what: 'Rotate: spend the refresh token for a new access and refresh token in the same family.' },
  { n: 6, path: '/steps/6', name: 'Token Revocation (Bearer + GCM)', route: 'POST /api/v1/revoke', auth: 'Bearer + GCM',
    what: 'Revoke the step-5 refresh token, which revokes its whole family.' },
  // Not a seventh step: the check after step 6, called "verify" everywhere.
  { n: 'verify', path: '/steps/verify', name: 'Verify: the family is dead', route: 'POST /api/v1/introspect', auth: 'Bearer (step-5 token)',
    what: 'Use the step-5 access token as a bearer: it must now be refused with 401 invalid_token.' },
];

const cards = new Map();
const doneSteps = new Set();
/** Each step's last answer (or `{blocked}`), for the run summary and the export. */
const results = new Map();
const names = new Map(STEPS.map((s) => [s.n, s.name]));
let info = {};
let runDoc = null;
let busy = false;

function pretty(text) {
  if (text === null || text === undefined || text === '') return '(empty)';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function short(value, max = 28) {
  const text = String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const SIX = STEPS.filter((step) => step.n !== 'verify').length;

/** A card's title: "3. Token Introspection …" for a step, the bare name for verify. */
function title(step, name) {
  return step.n === 'verify' ? name : `${step.n}. ${name}`;
}

function buildCards() {
  const template = document.getElementById('card-template');
  const container = document.getElementById('steps');
  for (const step of STEPS) {
    const card = template.content.firstElementChild.cloneNode(true);
    card.id = `step-${step.n}`;
    card.dataset.step = String(step.n);
    if (step.n === 'verify') card.classList.add('final');
    card.querySelector('.num').textContent = step.n === 'verify' ? '✓' : String(step.n);
    card.querySelector('h2').textContent = title(step, step.name);
    card.querySelector('.route').textContent = `${step.route} · ${step.auth}`;
    card.querySelector('.what').textContent = step.what;
    card.querySelector('.pill').textContent = 'not run';
    card.querySelector('.run').addEventListener('click', () => {
      void guarded(() => runStep(step));
    });
    container.append(card);
    cards.set(step.n, card);
  }
}

function setState(card, state, label) {
  card.dataset.state = state;
  card.querySelector('.pill').textContent = label;
}

function updateProgress() {
  const steps = [...doneSteps].filter((n) => n !== 'verify').length;
  const verify = doneSteps.has('verify') ? ', verify passed' : '';
  document.getElementById('progress').textContent = `${steps} / ${SIX} steps done${verify}`;
}

function headerTable(headers) {
  const table = el('table', 'headers');
  const entries = Object.entries(headers || {});
  if (entries.length === 0) {
    const row = table.insertRow();
    row.insertCell().textContent = '(none)';
  }
  for (const [name, value] of entries) {
    const row = table.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = value;
  }
  return table;
}

function section(parent, title, content) {
  // A long body scrolls inside its box; keyboard users reach it with Tab to scroll it.
  if (content.tagName === 'PRE') content.tabIndex = 0;
  parent.append(el('h3', '', title), content);
}

function summaryRows(result) {
  const rows = [['HTTP', result.status ? String(result.status) : '—'], ['Duration', `${result.durationMs.toFixed(1)} ms`]];
  if (result.kind === 'session') {
    if (result.success) {
      rows.push(['Session', result.sessionId], ['KID', result.kid],
        ['Type', result.authenticated ? 'authenticated' : 'anonymous'], ['Expires in', `${result.expiresInSec} s`]);
      if (result.handshakeKid) rows.push(['Sidecar', `authenticated (kid ${result.handshakeKid})`]);
    }
    return rows;
  }
  let body = null;
  try {
    body = result.responseBodyDecrypted ? JSON.parse(result.responseBodyDecrypted) : null;
  } catch {
    body = null;
  }
  if (!body || typeof body !== 'object') return rows;
  if (result.step === 'verify') {
    rows.push(['Answer', `${body.error ?? ''}${result.success ? ' — family revoked' : ''}`]);
    return rows;
  }
  for (const key of ['active', 'token_type', 'expires_in', 'scope', 'sub', 'client_id', 'roles', 'tenant', 'access_token', 'refresh_token', 'error']) {
    if (key in body) rows.push([key, short(body[key], 48)]);
  }
  if (Object.keys(body).length === 0) rows.push(['Body', '{} (revoked)']);
  return rows;
}

function render(card, result) {
  const outcome = card.querySelector('.outcome');
  outcome.hidden = false;
  const summary = card.querySelector('.summary');
  summary.replaceChildren();
  for (const [k, v] of summaryRows(result)) summary.append(el('dt', '', k), el('dd', '', v ?? ''));

  const error = card.querySelector('.error');
  error.hidden = !result.error;
  error.textContent = result.error || '';
  const fix = card.querySelector('.fix');
  fix.hidden = !result.fix;
  fix.textContent = result.fix || '';

  const picture = card.querySelector('.picture');
  picture.replaceChildren(renderFlow(result));
  const tokens = renderTokens(result);
  if (tokens) picture.append(tokens);
  if (result.kind === 'session' && result.kid) {
    const line = el('p', 'kid');
    line.append(el('span', 'k', 'session key id '), el('code', '', result.kid), copyButton(result.kid, 'session key id'));
    picture.append(line);
    if (result.handshakeKid) {
      const signed = el('p', 'kid sidecar-auth');
      signed.append(el('span', 'k', 'sidecar authenticated '), el('code', '', `(kid ${result.handshakeKid})`));
      picture.append(signed);
    }
  }

  const request = card.querySelector('.request .detail-body');
  request.replaceChildren();
  section(request, 'Headers', headerTable(result.requestHeaders));
  section(request, 'Body (plaintext)', el('pre', '', pretty(result.requestBodyPlaintext)));
  if (result.kind !== 'session') section(request, 'Body (encrypted)', el('pre', 'cipher', pretty(result.requestBodyEncrypted)));

  const response = card.querySelector('.response .detail-body');
  response.replaceChildren();
  section(response, 'Headers', headerTable(result.responseHeaders));
  if (result.kind !== 'session' && result.responseBodyEncrypted) {
    section(response, 'Body (encrypted)', el('pre', 'cipher', pretty(result.responseBodyEncrypted)));
  }
  const label = result.kind === 'session' || !result.responseBodyEncrypted ? 'Body (plaintext)' : 'Body (decrypted)';
  section(response, label, el('pre', '', pretty(result.responseBodyDecrypted)));
}

function renderBlocked(card, message) {
  const outcome = card.querySelector('.outcome');
  outcome.hidden = false;
  card.querySelector('.summary').replaceChildren();
  const error = card.querySelector('.error');
  error.hidden = false;
  error.textContent = message;
  card.querySelector('.fix').hidden = true;
  card.querySelector('.picture').replaceChildren();
  for (const body of card.querySelectorAll('.detail-body')) body.replaceChildren(el('p', 'what', 'Nothing was sent.'));
}

async function post(path) {
  const res = await fetch(path, { method: 'POST', credentials: 'same-origin' });
  let body;
  try {
    body = await res.json();
  } catch {
    body = { success: false, error: `HTTP ${res.status} without JSON` };
  }
  return { status: res.status, body };
}

/** Show a step's result (just run, or read back from the server) on its card. */
function show(step, result) {
  const card = cards.get(step.n);
  setState(card, result.success ? 'success' : 'failure', result.success ? 'success' : 'failed');
  if (result.name) {
    card.querySelector('h2').textContent = title(step, result.name);
    names.set(step.n, result.name);
  }
  render(card, result);
  results.set(step.n, result);
  if (result.success) doneSteps.add(step.n);
  else doneSteps.delete(step.n);
}

/** Run one step; resolves true when it succeeded. */
async function runStep(step) {
  const card = cards.get(step.n);
  setState(card, 'running', 'running…');
  try {
    const { status, body } = await post(step.path);
    if (status === 400 && body.error_description) {
      setState(card, 'blocked', 'blocked');
      renderBlocked(card, body.error_description);
      doneSteps.delete(step.n);
      results.set(step.n, { blocked: body.error_description });
    } else {
      show(step, body);
    }
    updateProgress();
    return body.success === true;
  } catch {
    setState(card, 'failure', 'failed');
    renderBlocked(card, 'The journey app did not answer: is it still running?');
    results.delete(step.n);
    return false;
  }
}

function clearCards() {
  doneSteps.clear();
  results.clear();
  runDoc = null;
  document.getElementById('run-summary').hidden = true;
  for (const card of cards.values()) {
    setState(card, 'idle', 'not run');
    card.querySelector('.outcome').hidden = true;
    for (const d of card.querySelectorAll('details')) d.open = false;
  }
  updateProgress();
}

async function reset() {
  await post('/steps/reset');
  clearCards();
}

/**
 * Reset, then every step in order. Like the terminal journey it goes on after a failure:
 * a step that needs the failed one is refused as too early and shows why.
 */
async function runAll() {
  await reset();
  for (const step of STEPS) await runStep(step);
  runDoc = renderSummary(document.getElementById('run-summary'), info, names, results);
  document.getElementById('run-summary-title').focus();
}

async function guarded(action) {
  if (busy) return;
  busy = true;
  const buttons = document.querySelectorAll('button');
  for (const b of buttons) b.disabled = true;
  try {
    await action();
  } finally {
    for (const b of buttons) b.disabled = false;
    busy = false;
  }
}

async function loadInfo() {
  try {
    const res = await fetch('/info');
    info = await res.json();
    document.getElementById('meta-client').textContent = info.clientId;
    document.getElementById('meta-auth').textContent = info.authMethod === 'hmac' ? 'HMAC signature' : 'Basic';
    document.getElementById('meta-subject').textContent = info.subject;
    document.getElementById('meta-scope').textContent = info.scope;
    document.getElementById('meta-sidecar').textContent = `${info.sidecarUrl}${info.embedded ? ' (local stack)' : ''}`;
    if (info.authMethod === 'hmac') {
      names.set(2, 'Token Issue (HMAC Signature + GCM)');
      const card = cards.get(2);
      card.querySelector('h2').textContent = '2. Token Issue (HMAC Signature + GCM)';
      card.querySelector('.route').textContent = 'POST /api/v1/token/issue · X-Signature + GCM';
    }
  } catch {
    document.getElementById('meta-sidecar').textContent = 'unknown';
  }
}

// The server keeps the journey (this browser's, by its cookie): after a reload the cards
// show the results it holds, not a fresh start. The buttons wait until they are shown.
async function loadState() {
  try {
    const res = await fetch('/steps', { credentials: 'same-origin' });
    if (!res.ok) return;
    const state = await res.json();
    for (const result of [...state.steps, ...(state.verify ? [state.verify] : [])]) {
      const step = STEPS.find((s) => s.n === result.step);
      if (step) show(step, result);
    }
    // A journey that got as far as verify is a finished run: its summary and export come back too.
    if (results.has('verify')) runDoc = renderSummary(document.getElementById('run-summary'), info, names, results);
  } catch {
    // Unreadable state: the cards stay "not run", and running a step still works.
  }
  updateProgress();
}

buildCards();
updateProgress();
document.getElementById('run-all').addEventListener('click', () => void guarded(runAll));
document.getElementById('reset').addEventListener('click', () => void guarded(reset));
document.getElementById('export').addEventListener('click', () => {
  if (runDoc) downloadJson(runDoc, 'journey-run.json');
});
// The client details first: a restored run's summary and export carry them.
void guarded(async () => {
  await loadInfo();
  await loadState();
});
