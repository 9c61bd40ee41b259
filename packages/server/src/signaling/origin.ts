import type { IncomingMessage } from 'node:http';

/** Normalises an origin for comparison: lower case, no trailing slash. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/**
 * Whether a connection with this `Origin` header may proceed:
 * no Origin (not a browser) → yes; the request's own host (same origin) → yes;
 * on the allow-list, or the allow-list holds `'*'` → yes; anything else → no.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  if (origin === undefined || origin === '') return true;
  if (allowedOrigins.includes('*')) return true;
  const wanted = normalizeOrigin(origin);
  if (host) {
    try {
      if (new URL(wanted).host === host.toLowerCase()) return true;
    } catch {
      // An Origin that is not a URL ('null' from sandboxed frames) is only allowed when listed.
    }
  }
  return allowedOrigins.some((allowed) => normalizeOrigin(allowed) === wanted);
}

const ORIGIN_REFUSED = Symbol('plaza.originRefused');

/** Marks a handshake request whose Origin is not allowed, so the auth middleware refuses it. */
function markRefused(req: IncomingMessage): void {
  (req as IncomingMessage & { [ORIGIN_REFUSED]?: boolean })[ORIGIN_REFUSED] = true;
}

/** Whether {@link createAllowRequest} marked this handshake request as coming from a refused Origin. */
export function isOriginRefused(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [ORIGIN_REFUSED]?: boolean })[ORIGIN_REFUSED] === true;
}

/**
 * engine.io's `allowRequest` hook: decides the Origin policy on the transport handshake.
 *
 * A refused Origin is marked, not dropped here: engine.io can only answer a bare HTTP 403 that
 * clients see as an anonymous transport error, while the socket.io middleware can refuse with a
 * `connect_error` whose `data` is the `ORIGIN_NOT_ALLOWED` wire error. No request event is ever
 * handled before that middleware refuses, so the outcome for the connection is the same.
 */
export function createAllowRequest(
  allowedOrigins: readonly string[],
  onRefused: (req: IncomingMessage) => void = () => undefined,
): (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void {
  return (req, callback) => {
    if (!isOriginAllowed(req.headers.origin, req.headers.host, allowedOrigins)) {
      markRefused(req);
      onRefused(req);
    }
    callback(null, true);
  };
}

/**
 * engine.io's `cors.origin` option: CORS headers only for Origins on the allow-list (or every
 * Origin with `'*'`), so browsers on an allowed portal can use the polling transport. Same-origin
 * pages need none; refused Origins get none.
 */
export function createCorsOrigin(
  allowedOrigins: readonly string[],
): (origin: string | undefined, callback: (err: Error | null, allow?: boolean) => void) => void {
  const wildcard = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins.map(normalizeOrigin));
  return (origin, callback) => callback(null, origin !== undefined && (wildcard || allowed.has(normalizeOrigin(origin))));
}
