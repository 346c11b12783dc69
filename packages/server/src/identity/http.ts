/**
 * HTTP plumbing of the identity API: the JSON body parser that keeps the exact bytes (HMAC
 * signatures cover them), schema validation without type coercion, and the handlers that
 * turn every failure, the framework's own included, into an OAuth error body.
 */
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import secureJson from 'secure-json-parse';
import { InvalidRequestError, NotFoundError } from '../lib/oauth-error.js';
import { retryAfterOf, toWireError } from '../ops/wire-errors.js';

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** The exact bytes of a request's JSON body (empty when there was none). */
export function rawBody(request: FastifyRequest): Buffer {
  return rawBodies.get(request) ?? Buffer.alloc(0);
}

/**
 * A JSON request body, parsed as Fastify's own parser does (secure-json-parse), refusing
 * `__proto__` and `constructor.prototype` keys (prototype poisoning).
 * @throws InvalidRequestError (400) for an empty body or one that is not JSON.
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new InvalidRequestError('The request body is empty.');
  try {
    return secureJson.parse(bytes.toString('utf8'), { protoAction: 'error', constructorAction: 'error' });
  } catch {
    // Not even the parser's message is kept: it quotes the body, which may hold a token.
    throw new InvalidRequestError('The request body is not valid JSON.');
  }
}

/** Accept `application/json` only (any other media type answers 415), keep the raw bytes, parse with {@link parseJsonBody}. */
export function registerJsonBody(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const bytes = body as Buffer;
    rawBodies.set(request, bytes);
    try {
      done(null, parseJsonBody(bytes));
    } catch (err) {
      done(err as InvalidRequestError, undefined);
    }
  });
}

/** The error of a value that fails `check`, naming the first field at fault. */
export function invalidBodyError(check: TypeCheck<TSchema>, data: unknown, part: string): InvalidRequestError {
  const first = check.Errors(data).First();
  const where = first === undefined || first.path === '' ? part : `${part}${first.path}`;
  return new InvalidRequestError(`Invalid ${where}: ${first?.message.toLowerCase() ?? 'unexpected value'}.`);
}

/**
 * Validate with TypeBox's compiled checks: strict types (a number is never coerced to a
 * string, as Fastify's default Ajv setup would), and a message that names the field.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const part = httpPart === 'body' ? 'body' : (httpPart ?? 'request');
  return (data: unknown) => (check.Check(data) ? { value: data } : { error: invalidBodyError(check, data, part) });
};

/** Answer every error in the OAuth shape; log 5xx causes at error level, 4xx details at info. */
export function oauthErrorHandler(this: FastifyInstance, err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const oauth = toWireError(err);
  logFailure(request.log, oauth.status, oauth.code, oauth.detail, err);
  if (oauth.challenge !== undefined) void reply.header('www-authenticate', oauth.challenge);
  const retryAfter = retryAfterOf(oauth);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  void reply.code(oauth.status).header('cache-control', 'no-store').send(oauth.toBody());
}

/** 404 in the OAuth shape, for every unknown route. */
export function oauthNotFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const err = new NotFoundError();
  void reply.code(err.status).send(err.toBody());
}

/** Log a refused or failed request: 5xx causes at error level, 4xx details at info. */
export function logFailure(log: FastifyBaseLogger, status: number, code: string, detail: string | undefined, err: unknown): void {
  if (status >= 500) {
    log.error({ err }, 'request failed');
  } else {
    // The detail says why (e.g. which check failed); it never holds a secret or a token.
    log.info({ status, error: code, detail }, 'request refused');
  }
}
