import { describe, expect, it } from 'vitest';
import * as node from '../src/index.js';
import * as web from '../src/web.js';

describe('the two SDK entries', () => {
  it('export the same names, so code moves between Node and browsers unchanged', () => {
    expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
  });

  it('differ only in the crypto backend their IdentityClient is built on', () => {
    expect(web.IdentityClient).not.toBe(node.IdentityClient);
    expect(web.ServiceError).toBe(node.ServiceError);
    expect(web.Session).toBe(node.Session);
  });
});
