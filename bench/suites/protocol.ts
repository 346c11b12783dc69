/**
 * Protocol micro-benchmarks: the server's half of a session init (key pair + ECDH + HKDF),
 * and sealing and opening a 600-byte JSON body, on the node backend (async and `*Sync`)
 * and on WebCrypto, with the node/WebCrypto ratio of each computed in the same run.
 * Baselines show why the node backend does what it does (ECDH object, BigInt validation).
 */
import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync as generateKeyObjects } from 'node:crypto';
import {
  buildAad,
  deriveSessionKeySync,
  encodeBase64,
  generateKeyPairSync,
  kidFromSessionId,
  newSessionId,
  openSync,
  protocol,
  sealSync,
  sharedSecretSync,
  validatePublicKey,
  webProtocol,
  zeroize,
  type Protocol,
} from '@idsvc/protocol';
import { formatOps, measure, printTable, type TaskFn } from '../lib/measure.js';
import type { BenchOptions, Figure } from '../lib/types.js';

export const name = 'protocol';

const CLIENT_ID = 'dev-client';

/** A JSON body of exactly 600 bytes, shaped like a token issue request. */
function body600(): string {
  const base = { audience: 'orders-api', scope: 'orders.read orders.write', subject: 'test-user', include_refresh_token: true, custom_claims: { pad: '' } };
  const without = JSON.stringify(base).length;
  base.custom_claims.pad = 'x'.repeat(600 - without);
  const text = JSON.stringify(base);
  if (Buffer.byteLength(text) !== 600) throw new Error('body is not 600 bytes');
  return text;
}

function handshake(p: Protocol, clientPublicKey: Uint8Array): TaskFn {
  return async () => {
    const { privateKey } = await p.generateKeyPair();
    const secret = await p.sharedSecret(privateKey, clientPublicKey);
    const key = await p.deriveSessionKey(secret, newSessionId(), CLIENT_ID);
    privateKey.destroy();
    zeroize(secret, key);
  };
}

function handshakeSync(clientPublicKey: Uint8Array): TaskFn {
  return () => {
    const { privateKey } = generateKeyPairSync();
    const secret = sharedSecretSync(privateKey, clientPublicKey);
    const key = deriveSessionKeySync(secret, newSessionId(), CLIENT_ID);
    privateKey.destroy();
    zeroize(secret, key);
  };
}

interface Comparison {
  operation: string;
  node: Figure;
  nodeSync: Figure;
  webcrypto: Figure;
  /** node async ops/s ÷ WebCrypto ops/s. */
  nodeOverWebcrypto: number;
  /** node sync ops/s ÷ WebCrypto ops/s. */
  syncOverWebcrypto: number;
}

/** Run the suite; see the file comment. */
export async function run(opts: BenchOptions): Promise<ProtocolResults> {
  const client = generateKeyPairSync();
  const clientPublicKey = client.publicKey;
  const body = body600();
  const key = new Uint8Array(32).fill(0x5a);
  const aad = buildAad({ timestamp: String(Date.now()), nonce: crypto.randomUUID(), kid: kidFromSessionId(newSessionId()), clientId: CLIENT_ID });
  const payload = sealSync(key, aad, body);
  // Every implementation must open what the others seal before its speed counts.
  for (const p of [protocol, webProtocol]) {
    if (new TextDecoder().decode(await p.open(key, aad, await p.seal(key, aad, body))) !== body) throw new Error(`${p.backend.name} round trip failed`);
  }

  const groups: [string, Record<'node' | 'nodeSync' | 'webcrypto', TaskFn>][] = [
    ['handshake (key pair + ECDH + HKDF)', { node: handshake(protocol, clientPublicKey), nodeSync: handshakeSync(clientPublicKey), webcrypto: handshake(webProtocol, clientPublicKey) }],
    ['seal 600-byte JSON', { node: () => protocol.seal(key, aad, body), nodeSync: () => sealSync(key, aad, body), webcrypto: () => webProtocol.seal(key, aad, body) }],
    ['open 600-byte JSON', { node: () => protocol.open(key, aad, payload), nodeSync: () => openSync(key, aad, payload), webcrypto: () => webProtocol.open(key, aad, payload) }],
  ];

  const comparisons: Comparison[] = [];
  for (const [operation, tasks] of groups) {
    const [node, nodeSync, webcrypto] = await measure({ [`${operation} node`]: tasks.node, [`${operation} node sync`]: tasks.nodeSync, [`${operation} webcrypto`]: tasks.webcrypto }, opts);
    comparisons.push({
      operation,
      node: node!,
      nodeSync: nodeSync!,
      webcrypto: webcrypto!,
      nodeOverWebcrypto: node!.opsPerSec / webcrypto!.opsPerSec,
      syncOverWebcrypto: nodeSync!.opsPerSec / webcrypto!.opsPerSec,
    });
  }
  printTable(
    'ops/s (± relative margin of error); ratio = node ops/s ÷ WebCrypto ops/s, same run',
    ['operation', 'node', 'node sync', 'WebCrypto', 'node/Web', 'sync/Web'],
    comparisons.map((c) => [
      c.operation,
      `${formatOps(c.node.opsPerSec)} ±${c.node.rmePct.toFixed(1)}%`,
      `${formatOps(c.nodeSync.opsPerSec)} ±${c.nodeSync.rmePct.toFixed(1)}%`,
      `${formatOps(c.webcrypto.opsPerSec)} ±${c.webcrypto.rmePct.toFixed(1)}%`,
      `${c.nodeOverWebcrypto.toFixed(2)}x`,
      `${c.syncOverWebcrypto.toFixed(2)}x`,
    ]),
  );

  // Baselines behind two design choices of the node backend.
  const spkiPrefix = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
  const jwk = { kty: 'EC', crv: 'P-256', x: Buffer.from(clientPublicKey.subarray(1, 33)).toString('base64url'), y: Buffer.from(clientPublicKey.subarray(33)).toString('base64url') };
  const baselines = await measure(
    {
      'validate public key: BigInt on-curve check (used)': () => validatePublicKey(clientPublicKey),
      'validate public key: SPKI import into OpenSSL': () => createPublicKey({ key: Buffer.concat([spkiPrefix, clientPublicKey]), format: 'der', type: 'spki' }),
      'ECDH: createECDH generate + computeSecret (used)': () => {
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        return ecdh.computeSecret(clientPublicKey);
      },
      'ECDH: KeyObject generate + JWK import + diffieHellman': () => {
        const { privateKey } = generateKeyObjects('ec', { namedCurve: 'P-256' });
        return diffieHellman({ privateKey, publicKey: createPublicKey({ key: jwk, format: 'jwk' }) });
      },
      'base64 of a 640-byte payload (pure, browser-safe)': () => encodeBase64(Buffer.from(payload, 'base64')),
    },
    opts,
  );
  printTable(
    'baselines (node:crypto)',
    ['task', 'ops/s', '±'],
    baselines.map((f) => [f.name, formatOps(f.opsPerSec), `${f.rmePct.toFixed(1)}%`]),
  );
  client.privateKey.destroy();
  return { bodyBytes: 600, comparisons, baselines };
}

/** What {@link run} returns. */
export interface ProtocolResults {
  bodyBytes: number;
  comparisons: Comparison[];
  baselines: Figure[];
}

/** The suite's figures as table rows (header first), for the Markdown report. */
export function protocolRows(results: ProtocolResults): string[][] {
  const rows = [['operation', 'node ops/s', 'node sync ops/s', 'WebCrypto ops/s', 'node ÷ WebCrypto', 'sync ÷ WebCrypto']];
  for (const c of results.comparisons) {
    rows.push([c.operation, formatOps(c.node.opsPerSec), formatOps(c.nodeSync.opsPerSec), formatOps(c.webcrypto.opsPerSec), `${c.nodeOverWebcrypto.toFixed(2)}×`, `${c.syncOverWebcrypto.toFixed(2)}×`]);
  }
  for (const f of results.baselines) rows.push([f.name, formatOps(f.opsPerSec), '', '', '', '']);
  return rows;
}
