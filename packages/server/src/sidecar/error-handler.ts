/**
 * Every error leaves the sidecar in the OAuth shape `{"error", "error_description"}`,
 * including the ones Fastify and Node's HTTP parser would otherwise answer in their own
 * shape (body too large, bad JSON, unknown route, oversized headers). The answer carries
 * the public description only; the detail goes to the log.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, ProtocolError, errorBody } from '@idsvc/protocol';
import { StoreFullError, StoreUnavailableError } from '../stores/errors.js';

/** Send `code` with its status and OAuth body. */
export function sendError(reply: FastifyReply, code: ErrorCode, description?: string): FastifyReply {
  const body = errorBody(code, description);
  return reply.code(statusOf(code)).type('application/json; charset=utf-8').send(body);
}

function statusOf(code: ErrorCode): number {
  return new ProtocolError(code).status;
}

/** The wire code for an error thrown while handling a request. */
function classify(err: unknown): { code: ErrorCode; description?: string; level: 'info' | 'warn' | 'error' } {
  if (err instanceof ProtocolError) {
    return { code: err.code, description: err.message, level: err.status >= 500 ? 'error' : 'info' };
  }
  if (err instanceof StoreUnavailableError || err instanceof StoreFullError) {
    return { code: 'temporarily_unavailable', level: 'error' };
  }
  const status = (err as Partial<FastifyError>).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return { code: 'payload_too_large', level: 'info' };
    if (status === 415) return { code: 'unsupported_media_type', level: 'info' };
    if (status === 404) return { code: 'not_found', level: 'info' };
    if (status === 405) return { code: 'method_not_allowed', level: 'info' };
    return { code: 'invalid_request', level: 'info' };
  }
  return { code: 'server_error', level: 'error' };
}

/** Install the error handler, the not-found handler and the framework error hooks on an app. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { code, description, level } = classify(err);
    request.log[level]({ err: logView(err), code }, 'request refused');
    return sendError(reply, code, description);
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, 'not_found'));
}

/** For Fastify's `frameworkErrors` option: malformed URLs and the like, before any route. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info({ err: logView(err) }, 'request refused by the router');
  void sendError(reply, 'invalid_request');
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
