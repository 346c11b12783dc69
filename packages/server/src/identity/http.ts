/**
 * HTTP plumbing of the identity API: the JSON body parser that keeps the exact bytes (HMAC
 * signatures cover them), schema validation without type coercion, and the handlers that
 * turn every failure, the framework's own included, into an OAuth error body.
 */
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { InvalidRequestError, NotFoundError, toOAuthError } from '../lib/oauth-error.js';

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** The exact bytes of a request's JSON body (empty when there was none). */
export function rawBody(request: FastifyRequest): Buffer {
  return rawBodies.get(request) ?? Buffer.alloc(0);
}

/**
 * Accept `application/json` only (any other media type answers 415), keep the raw bytes,
 * and parse with Fastify's own parser, which refuses `__proto__` and `constructor.prototype`
 * keys (prototype poisoning).
 */
export function registerJsonBody(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    const bytes = body as Buffer;
    rawBodies.set(request, bytes);
    if (bytes.length === 0) {
      done(new InvalidRequestError('The request body is empty.'), undefined);
      return;
    }
    // Fastify's default parser answers through the callback; it returns nothing to await.
    void parseJson(request, bytes.toString('utf8'), (err, value) => {
      if (err !== null) done(new InvalidRequestError('The request body is not valid JSON.', err.message), undefined);
      else done(null, value);
    });
  });
}

/**
 * Validate with TypeBox's compiled checks: strict types (a number is never coerced to a
 * string, as Fastify's default Ajv setup would), and a message that names the field.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const part = httpPart === 'body' ? 'body' : (httpPart ?? 'request');
  return (data: unknown) => {
    if (check.Check(data)) return { value: data };
    const first = check.Errors(data).First();
    const where = first === undefined || first.path === '' ? part : `${part}${first.path}`;
    const error = new InvalidRequestError(`Invalid ${where}: ${first?.message.toLowerCase() ?? 'unexpected value'}.`);
    return { error };
  };
};

/** Answer every error in the OAuth shape; log 5xx causes at error level, 4xx details at info. */
export function oauthErrorHandler(this: FastifyInstance, err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const oauth = toOAuthError(err);
  logFailure(request.log, oauth.status, oauth.code, oauth.detail, err);
  if (oauth.challenge !== undefined) void reply.header('www-authenticate', oauth.challenge);
  void reply.code(oauth.status).header('cache-control', 'no-store').send(oauth.toBody());
}

/** 404 in the OAuth shape, for every unknown route. */
export function oauthNotFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const err = new NotFoundError();
  void reply.code(err.status).send(err.toBody());
}

function logFailure(log: FastifyBaseLogger, status: number, code: string, detail: string | undefined, err: unknown): void {
  if (status >= 500) {
    log.error({ err }, 'request failed');
  } else {
    // The detail says why (e.g. which check failed); it never holds a secret or a token.
    log.info({ status, error: code, detail }, 'request refused');
  }
}
