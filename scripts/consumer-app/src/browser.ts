/**
 * A browser application's entry: bundled with esbuild and loaded in a page, it hands the
 * page one function that walks the journey on WebCrypto against a real sidecar.
 */
import { IdentityClient } from '@idsvc/client/web';

async function runJourney(sidecarUrl: string, clientId: string, clientSecret: string): Promise<string> {
  // A test page that never reaches users may hold the (dummy) secret; a real page would not.
  const client = new IdentityClient({ sidecarUrl, clientId, clientSecret, dangerouslyAllowSecretInBrowser: true });
  const { data: tokens } = await client.issue({ audience: 'orders-api', scope: 'orders.read', subject: 'browser-user' });
  const { data: claims } = await client.introspect(tokens.access_token);
  client.close();
  return claims.active ? String(claims.sub) : 'inactive';
}

Object.assign(globalThis, { runJourney });
