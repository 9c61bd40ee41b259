import type { HttpRequest, HttpStack } from 'tus-js-client';

/**
 * The path under which the server is reached: `https://host/plaza` → `/plaza`, `https://host` → `''`.
 * A reverse proxy that serves Plaza under a path strips it before the server sees a request, so
 * paths the server hands out (`/files/…`) must be put under it again.
 */
export function basePathOf(baseUrl: string): string {
  return new URL(baseUrl).pathname.replace(/\/+$/, '');
}

/**
 * Resolves a URL or path the server gave (`uploadPath`, a signed download URL) against the
 * client's server url, keeping the url's path: `/files/x` with `https://host/plaza` →
 * `https://host/plaza/files/x`. Absolute URLs (with a scheme) are returned unchanged.
 */
export function resolveServerPath(baseUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return new URL(path).toString();
  const base = new URL(baseUrl);
  const prefix = basePathOf(baseUrl);
  if (path.startsWith('/') && !path.startsWith('//')) return new URL(`${prefix}${path}`, base.origin).toString();
  return new URL(path, `${base.origin}${prefix}/`).toString();
}

/**
 * Wraps tus-js-client's HTTP stack so that every request to the server's origin stays under the
 * client's base path: the server answers `Location: /files/uploads/f_…` (relative to its own root),
 * which tus-js-client would otherwise resolve to the origin's root, outside the proxy's prefix.
 */
export function basePathHttpStack(stack: HttpStack, baseUrl: string): HttpStack {
  const prefix = basePathOf(baseUrl);
  const origin = new URL(baseUrl).origin;
  if (prefix === '') return stack;
  return {
    getName: () => stack.getName(),
    createRequest(method: string, url: string): HttpRequest {
      const parsed = new URL(url);
      if (parsed.origin === origin && parsed.pathname !== prefix && !parsed.pathname.startsWith(`${prefix}/`)) {
        parsed.pathname = `${prefix}${parsed.pathname}`;
      }
      return stack.createRequest(method, parsed.toString());
    },
  };
}
