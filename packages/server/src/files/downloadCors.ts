import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOriginAllowed } from '../signaling/origin.js';

/** Response headers a page on an allowed origin may read from a download. */
export const DOWNLOAD_EXPOSED_HEADERS = 'Content-Disposition, Content-Range, Content-Length, Accept-Ranges, ETag';

/** Request headers a cross-origin download may send (`Range` makes `fetch` ask first when it is not a simple range). */
const DOWNLOAD_ALLOWED_HEADERS = 'Range, If-Range, If-None-Match';

/** How long a browser may cache the preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE_SEC = 600;

/**
 * Adds the CORS headers of a download response: `Vary: Origin` always (the answer depends on it),
 * and `Access-Control-Allow-Origin: <origin>` with the exposed headers only when the request's
 * `Origin` is allowed by the same rules as the socket connection (`allowedOrigins`, `'*'`, or the
 * server's own host). Returns whether the origin was allowed.
 */
export function applyDownloadCors(request: FastifyRequest, reply: FastifyReply, allowedOrigins: readonly string[]): boolean {
  reply.header('Vary', 'Origin');
  const origin = request.headers.origin;
  if (!origin || !isOriginAllowed(origin, request.headers.host, allowedOrigins)) return false;
  reply.header('Access-Control-Allow-Origin', origin).header('Access-Control-Expose-Headers', DOWNLOAD_EXPOSED_HEADERS);
  return true;
}

/**
 * Answers a CORS preflight for a download (`OPTIONS /files/:fileId`): `204` allowing `GET`/`HEAD`
 * with `Range` for allowed origins; a `204` without any `Access-Control-Allow-*` header otherwise,
 * which the browser treats as a refusal.
 */
export function answerDownloadPreflight(request: FastifyRequest, reply: FastifyReply, allowedOrigins: readonly string[]): FastifyReply {
  if (applyDownloadCors(request, reply, allowedOrigins)) {
    reply
      .header('Access-Control-Allow-Methods', 'GET, HEAD')
      .header('Access-Control-Allow-Headers', DOWNLOAD_ALLOWED_HEADERS)
      .header('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SEC));
  }
  return reply.code(204).send();
}
