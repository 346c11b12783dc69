/**
 * The identity API's POST endpoints as framework-neutral operations: authenticate, parse
 * and validate the JSON body, do the work. Each one is served two ways that follow the same
 * steps in the same order:
 *
 * - as a Fastify route (`registerOperation`), for callers over HTTP;
 * - by `OperationDispatcher`, for a sidecar in the same process. Handing the request over
 *   through `app.inject` cost about 300 µs of CPU per call (a simulated socket, request and
 *   response objects, routing and hooks a second time), several times the work of an
 *   introspection itself; the dispatcher runs the operation directly.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { retryAfterOf, toWireError } from '../ops/wire-errors.js';
import type { ServiceMetrics } from '../ops/metrics.js';
import { requestIdOf } from '../ops/request-id.js';
import { invalidBodyError, logFailure, parseJsonBody, rawBody } from './http.js';

/** What an operation sees of a request. */
export interface OperationCall {
  /** Lower-case header names, as Node gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The exact bytes of the body (HMAC signatures cover them); empty before it is read. */
  readonly rawBody: Buffer;
  /** The request's logger, bound to its request id. */
  readonly log: FastifyBaseLogger;
}

/**
 * One endpoint. `authenticate` runs either before the body is parsed (`onRequest`: a bearer,
 * which needs no body) or after parsing and before validation (`preValidation`: Basic or
 * HMAC, whose signature covers the body), so a caller with bad credentials learns nothing
 * about the body rules either way.
 */
export interface Operation<S extends TSchema = TSchema, A = unknown> {
  readonly path: string;
  readonly body: S;
  readonly authPhase: 'onRequest' | 'preValidation';
  authenticate(call: OperationCall): Promise<A>;
  handle(call: OperationCall, auth: A, body: Static<S>): Promise<unknown>;
}

/** Type an operation's parts against each other. */
export function defineOperation<S extends TSchema, A>(operation: Operation<S, A>): Operation {
  return operation as unknown as Operation;
}

const authOfRequest = new WeakMap<FastifyRequest, unknown>();

function callOf(request: FastifyRequest): OperationCall {
  return {
    headers: request.headers,
    get rawBody() {
      return rawBody(request);
    },
    log: request.log,
  };
}

/** Serve `operation` as `POST <path>` on `app` (whose JSON parser and validator are the identity plugin's). */
export function registerOperation(app: FastifyInstance, operation: Operation): void {
  app.post(operation.path, {
    schema: { body: operation.body },
    [operation.authPhase]: async (request: FastifyRequest) => {
      authOfRequest.set(request, await operation.authenticate(callOf(request)));
    },
    handler: async (request) => operation.handle(callOf(request), authOfRequest.get(request), request.body),
  });
}

/** An operation's answer: the status and the JSON body, as bytes. */
export interface OperationAnswer {
  status: number;
  body: Buffer;
  /** The `Retry-After` header of a 503, as the route would send it. */
  retryAfter?: string;
}

interface Compiled {
  operation: Operation;
  check: ReturnType<typeof TypeCompiler.Compile>;
}

/**
 * Runs operations in process, without HTTP: the steps and the answers of
 * {@link registerOperation}'s routes (errors in the OAuth shape, logged the same way), and
 * the same request metrics.
 */
export class OperationDispatcher {
  private readonly operations = new Map<string, Compiled>();
  private readonly log: FastifyBaseLogger;
  private readonly metrics: ServiceMetrics | undefined;

  constructor(operations: readonly Operation[], log: FastifyBaseLogger, metrics?: ServiceMetrics) {
    for (const operation of operations) this.operations.set(operation.path, { operation, check: TypeCompiler.Compile(operation.body) });
    this.log = log;
    this.metrics = metrics;
  }

  /** `true` when `path` is one of the operations. */
  serves(path: string): boolean {
    return this.operations.has(path);
  }

  /**
   * Run the operation at `path` on a JSON body.
   * @throws TypeError when no operation has that path (see {@link serves}).
   */
  async dispatch(path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<OperationAnswer> {
    const compiled = this.operations.get(path);
    if (compiled === undefined) throw new TypeError(`no operation at ${path}`);
    const started = performance.now();
    // Logged under the sidecar's request id, as the route would (opsServerOptions).
    const log = this.log.child({ reqId: requestIdOf(headers) });
    let answer: OperationAnswer;
    try {
      const result = await run(compiled, { headers, rawBody: body, log });
      answer = { status: 200, body: Buffer.from(JSON.stringify(result), 'utf8') };
    } catch (err) {
      const oauth = toWireError(err);
      logFailure(log, oauth.status, oauth.code, oauth.detail, err);
      answer = { status: oauth.status, body: Buffer.from(JSON.stringify(oauth.toBody()), 'utf8') };
      const retryAfter = retryAfterOf(oauth);
      if (retryAfter !== undefined) answer.retryAfter = String(retryAfter);
    }
    this.metrics?.record(path, 'POST', answer.status, (performance.now() - started) / 1000);
    return answer;
  }
}

/** The steps of a Fastify request, in Fastify's order: onRequest, body parsing, preValidation, validation, handler. */
async function run({ operation, check }: Compiled, call: OperationCall): Promise<unknown> {
  let auth: unknown;
  if (operation.authPhase === 'onRequest') auth = await operation.authenticate(call);
  const body = parseJsonBody(call.rawBody);
  if (operation.authPhase === 'preValidation') auth = await operation.authenticate(call);
  if (!check.Check(body)) throw invalidBodyError(check, body, 'body');
  return operation.handle(call, auth, body);
}
