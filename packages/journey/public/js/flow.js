// The flow picture of one step: three lanes (client, sidecar, identity API), the messages
// between them and what happened in each lane. Everything is read from the step's wire
// detail (headers, bodies, status, duration); nothing here is a fixed picture per step.

import { byteLength, el, formatBytes, headerValue, jsonBody } from './dom.js';

export const LANES = [
  { id: 'client', name: 'Client' },
  { id: 'sidecar', name: 'Sidecar' },
  { id: 'identity', name: 'Identity API' },
];
const COLUMN = { client: 1, sidecar: 2, identity: 3 };

/**
 * The events of one step in order: `{type: 'hop', from, to, protection, bytes, text}`
 * (protection: 'encrypted' | 'plaintext'; bytes: null when the wire detail does not say)
 * or `{type: 'mark', lane, kind, ok, text}` (kind: key | nonce | seal | open | sign | verify | refuse).
 */
export function flowModel(result) {
  const events = [];
  const hop = (from, to, protection, bytes, text) => events.push({ type: 'hop', from, to, protection, bytes, text });
  const mark = (lane, kind, ok, text) => events.push({ type: 'mark', lane, kind, ok, text });
  const answered = result.status > 0;
  const body = jsonBody(result.responseBodyDecrypted);
  const code = result.errorCode || (body && typeof body.error === 'string' ? body.error : null);
  const authorization = headerValue(result.requestHeaders, 'authorization') || '';
  const bearer = authorization.startsWith('Bearer ');
  const timing = `${result.status || 'no answer'} · ${Number(result.durationMs || 0).toFixed(1)} ms round trip`;

  if (result.kind === 'session') {
    hop('client', 'sidecar', 'plaintext', byteLength(result.requestBodyPlaintext),
      `ECDH public key${bearer ? ' + bearer' : ''}`);
    if (!answered) return events;
    // The sidecar asks the identity API about the bearer before it makes a session.
    const verified = result.success;
    const reached = bearer && (verified || code === 'unauthorized');
    if (reached) {
      hop('sidecar', 'identity', 'plaintext', null, 'bearer check (internal)');
      mark('identity', 'verify', verified, verified ? 'token verified' : 'token refused');
      hop('identity', 'sidecar', 'plaintext', null, verified ? 'active' : 'refused');
    }
    if (result.success) mark('sidecar', 'key', true, 'key derived (HKDF-SHA256)');
    else mark('sidecar', 'refuse', false, `refused: ${code || result.status}`);
    hop('sidecar', 'client', 'plaintext', byteLength(result.responseBodyDecrypted),
      result.success ? `public key + kid · ${timing}` : timing);
    if (result.success) mark('client', 'key', true, 'key derived (HKDF-SHA256)');
    return events;
  }

  const sealed = Boolean(result.requestBodyEncrypted);
  if (sealed) mark('client', 'seal', true, 'sealed (AES-256-GCM)');
  hop('client', 'sidecar', sealed ? 'encrypted' : 'plaintext',
    byteLength(sealed ? result.requestBodyEncrypted : result.requestBodyPlaintext), 'request envelope');
  if (!answered) return events;

  // The sidecar seals only what the identity API answered: a plaintext answer is the
  // sidecar's own refusal, and the identity API never saw the request.
  const sealedAnswer = Boolean(result.responseBodyEncrypted);
  const upstreamDown = code === 'upstream_unavailable';
  if (sealedAnswer) {
    mark('sidecar', 'open', true, 'opened (AES-256-GCM)');
    mark('sidecar', 'nonce', true, 'nonce checked: fresh');
    hop('sidecar', 'identity', 'plaintext', byteLength(result.requestBodyPlaintext), 'plaintext request');
    if (!upstreamDown) {
      const refused = result.status === 401 || result.status === 403;
      if (authorization.startsWith('Basic ')) mark('identity', 'verify', !refused, refused ? 'client refused' : 'client secret checked');
      else if (headerValue(result.requestHeaders, 'x-signature')) mark('identity', 'verify', !refused, refused ? 'HMAC refused' : 'HMAC signature checked');
      else if (bearer) mark('identity', 'verify', !refused, refused ? `token refused: ${code || result.status}` : 'bearer token verified (ES256)');
      if (body && typeof body.access_token === 'string') mark('identity', 'sign', true, 'access token signed (ES256)');
      hop('identity', 'sidecar', 'plaintext', byteLength(result.responseBodyDecrypted), `${result.status} answer`);
    }
    mark('sidecar', 'seal', true, 'sealed (AES-256-GCM)');
  } else if (code === 'replay_detected') {
    mark('sidecar', 'nonce', false, 'nonce checked: replay');
  } else {
    mark('sidecar', 'refuse', false, `refused: ${code || result.status}`);
  }
  hop('sidecar', 'client', sealedAnswer ? 'encrypted' : 'plaintext',
    byteLength(sealedAnswer ? result.responseBodyEncrypted : result.responseBodyDecrypted), timing);
  if (sealedAnswer) mark('client', 'open', true, 'opened (AES-256-GCM)');
  return events;
}

const LANE_NAME = Object.fromEntries(LANES.map((l) => [l.id, l.name]));

/** The picture, as an HTML figure: lane heads, then one grid row per event. */
export function renderFlow(result) {
  const figure = el('figure', 'flow');
  figure.append(el('figcaption', 'flow-caption', 'Message flow'));
  const heads = el('div', 'flow-lanes');
  for (const lane of LANES) {
    const head = el('span', 'lane-head', lane.name);
    head.dataset.lane = lane.id;
    heads.append(head);
  }
  figure.append(heads);

  const list = el('ol', 'flow-grid');
  for (const event of flowModel(result)) {
    const item = el('li');
    if (event.type === 'hop') {
      const a = COLUMN[event.from];
      const b = COLUMN[event.to];
      item.className = `hop span-${Math.min(a, b)}${Math.max(a, b)} ${a < b ? 'right' : 'left'}`;
      item.dataset.from = event.from;
      item.dataset.to = event.to;
      item.dataset.protection = event.protection;
      item.append(el('span', 'sr-only', `${LANE_NAME[event.from]} to ${LANE_NAME[event.to]}: `));
      const badge = el('span', `protection ${event.protection}`,
        `${event.protection}${event.bytes === null ? '' : ` · ${formatBytes(event.bytes)}`}`);
      item.append(badge, el('span', 'arrow'), el('span', 'hop-text', event.text));
    } else {
      item.className = `mark col-${COLUMN[event.lane]}`;
      item.dataset.lane = event.lane;
      item.dataset.kind = event.kind;
      item.dataset.ok = String(event.ok);
      item.append(el('span', 'sr-only', `${LANE_NAME[event.lane]}: `), el('span', 'mark-text', `${event.ok ? '✓' : '✗'} ${event.text}`));
    }
    list.append(item);
  }
  figure.append(list);
  return figure;
}
