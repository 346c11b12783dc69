import type { FastifyInstance } from 'fastify';
import type { IdentityServices } from '../context.js';

/** The contract of every route module: register one endpoint on the identity plugin. */
export type IdentityRoute = (app: FastifyInstance, services: IdentityServices) => void;
