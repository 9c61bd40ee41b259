import { ErrorCode } from '@plaza/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/*
 * Answers for requests no route handles, in the REST API's error shape
 * (`{ "error": { code, message } }`) rather than fastify's own, so a client has one shape to parse
 * whatever path it got wrong.
 */

/**
 * Fastify's `frameworkErrors`: a request refused before routing (a path that is not valid
 * percent-encoding or UTF-8, `FST_ERR_BAD_URL`) is `400 INVALID_REQUEST`; anything else fastify
 * reports there is `500 INTERNAL`.
 */
export function answerFrameworkError(error: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const client = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500;
  const body = client
    ? { code: ErrorCode.INVALID_REQUEST, message: error.code === 'FST_ERR_BAD_URL' ? 'invalid request: the path is not valid percent-encoded UTF-8' : `invalid request: ${error.message}` }
    : { code: ErrorCode.INTERNAL, message: 'internal error' };
  void reply.code(client ? 400 : 500).header('cache-control', 'no-store').send({ error: body });
}

/** The root not-found handler: `404 NOT_FOUND` for a path (or method) nothing serves. */
export function answerNotFound(req: FastifyRequest, reply: FastifyReply): void {
  const path = req.url.split('?')[0] ?? '';
  void reply.code(404).header('cache-control', 'no-store').send({ error: { code: ErrorCode.NOT_FOUND, message: `nothing at ${req.method} ${path}` } });
}
