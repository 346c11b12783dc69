// The tokens of a step's answer: an access token decoded (header, claims, times) with its
// signature checked in the browser; a refresh token shown as what it is, an opaque string.

import { copyButton, el, jsonBody } from './dom.js';
import { decodeJwt, verifyJwt } from './jwt.js';

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time']);

function claimValue(name, value) {
  if (TIME_CLAIMS.has(name) && typeof value === 'number') {
    return `${value} = ${new Date(value * 1000).toISOString().replace('.000Z', 'Z')}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function claimList(object) {
  const list = el('dl', 'claims');
  for (const [name, value] of Object.entries(object)) list.append(el('dt', '', name), el('dd', '', claimValue(name, value)));
  return list;
}

function accessToken(token) {
  const box = el('section', 'token');
  box.dataset.token = 'access';
  const head = el('div', 'token-head');
  const sig = el('span', 'sig', 'checking signature…');
  sig.dataset.sig = 'pending';
  sig.setAttribute('role', 'status');
  head.append(el('h3', '', 'Access token (JWT)'), sig, copyButton(token, 'access token'));
  box.append(head);

  const decoded = decodeJwt(token);
  if (!decoded) {
    box.append(el('p', 'what', 'Not a JWT.'));
    sig.dataset.sig = 'fail';
    sig.textContent = '✗ not a JWT';
    return box;
  }
  box.append(el('h4', '', 'Header'), claimList(decoded.header), el('h4', '', 'Claims'), claimList(decoded.claims));
  const keyLine = el('p', 'kid');
  box.append(keyLine);
  void verifyJwt(token).then((check) => {
    sig.dataset.sig = check.status;
    const mark = check.status === 'pass' ? '✓ signature valid' : check.status === 'fail' ? '✗ signature invalid' : '? signature not checked';
    sig.textContent = mark;
    keyLine.replaceChildren(el('span', 'k', 'kid '), el('code', '', check.kid ?? '(none)'), el('span', 'reason', ` · ${check.reason}`));
    if (check.jwk) keyLine.append(copyButton(JSON.stringify(check.jwk), 'public key (JWK)'));
  });
  return box;
}

function refreshToken(token) {
  const box = el('section', 'token');
  box.dataset.token = 'refresh';
  const head = el('div', 'token-head');
  head.append(el('h3', '', 'Refresh token (opaque)'), copyButton(token, 'refresh token'));
  box.append(head,
    el('p', 'what', `${token.length} characters with no readable content: only the identity API can look it up. Spend it once (step 5) or revoke it (step 6).`),
    el('code', 'opaque', `${token.slice(0, 6)}…`));
  return box;
}

/** The token panel of a step's result, or null when its answer holds no token. */
export function renderTokens(result) {
  if (result.kind === 'session') return null;
  const body = jsonBody(result.responseBodyDecrypted);
  if (!body) return null;
  const parts = [];
  if (typeof body.access_token === 'string') parts.push(accessToken(body.access_token));
  if (typeof body.refresh_token === 'string') parts.push(refreshToken(body.refresh_token));
  if (parts.length === 0) return null;
  const panel = el('div', 'tokens');
  panel.append(...parts);
  return panel;
}
