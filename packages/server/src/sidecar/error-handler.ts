/**
 * Every error leaves the sidecar in the OAuth shape `{"error", "error_description"}`,
 * including the ones Fastify and Node's HTTP parser would otherwise answer in their own
 * shape (body too large, bad JSON, unknown route, oversized headers). The answer carries
 * the public description only; the detail goes to the log.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProtocolError } from '@idsvc/protocol';
import { retryAfterOf, toWireError } from '../ops/wire-errors.js';

/** Send a wire error with its status and OAuth body. */
function sendError(reply: FastifyReply, error: ProtocolError): FastifyReply {
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.toBody());
}

/** Install the error handler, the not-found handler and the framework error hooks on an app. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // The same translation as the identity API's (ops/wire-errors.ts).
    const wire = toWireError(err);
    request.log[wire.status >= 500 ? 'error' : 'info']({ err: logView(err), code: wire.code }, 'request refused');
    return sendError(reply, wire);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new ProtocolError('not_found')));
}

/** For Fastify's `frameworkErrors` option: malformed URLs and the like, before any route. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info({ err: logView(err) }, 'request refused by the router');
  void sendError(reply, new ProtocolError('invalid_request'));
}

/**
 * For Fastify's `clientErrorHandler` option: errors Node's HTTP parser raises before there
 * is a request at all (oversized headers, garbage, timeouts). Answers on the raw socket.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let reason = 'Bad Request';
  let description = 'The request is malformed.';
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    reason = 'Request Header Fields Too Large';
    description = 'The request headers are too large.';
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    reason = 'Request Timeout';
    description = 'The request took too long to arrive.';
  }
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * What of an error may be logged: never a body or a header value. A parser's message can
 * quote the body it choked on, so client errors log their code only.
 */
function logView(err: unknown): Record<string, unknown> {
  if (err instanceof ProtocolError) return { type: err.name, code: err.code, detail: err.detail };
  if (err instanceof Error) {
    const { code, statusCode } = err as Partial<FastifyError>;
    if (typeof statusCode === 'number' && statusCode < 500) return { type: err.name, code, statusCode };
    return { type: err.name, code, message: err.message, stack: err.stack };
  }
  return { type: typeof err };
}
