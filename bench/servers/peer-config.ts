/** The resource indicators the peer server knows, and how it issues tokens for each. */
export const PEER_RESOURCES = {
  /** ES256 JWT access tokens, audience `orders-api`: signed, not stored. */
  jwt: 'urn:bench:orders',
  /** Opaque access tokens, stored in the adapter: these it introspects and revokes. */
  opaque: 'urn:bench:opaque',
} as const;
