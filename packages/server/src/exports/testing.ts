/** `@idsvc/server/testing`: for tests of apps built on the stack: a clock to set, the seeded clients. */
export { ManualClock, systemClock, type Clock } from '../lib/clock.js';
export { DEV_CLIENTS, seedDevClients } from '../identity/dev-clients.js';
