import { ErrorCode } from '@plaza/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ChatStore } from '../storage/ChatStore.js';
import { answerDownloadPreflight, applyDownloadCors } from './downloadCors.js';
import type { FileStorage, StoredBytesSender } from './FileStorage.js';
import { errorBody } from './httpErrors.js';
import { verifyFileUrl } from './signedUrl.js';

/** What the download route needs. */
export interface DownloadRouteOptions {
  store: ChatStore;
  storage: FileStorage;
  urlKey: Buffer;
  /** Origins whose pages may read downloads with `fetch()` (the server's `allowedOrigins`). */
  allowedOrigins: readonly string[];
  logger: Logger;
}

/** A parsed `Range` header: one satisfiable range, `unsatisfiable`, or `null` to send everything. */
type RangeDecision = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * Parses a single `bytes=` range against `size`. Multiple ranges and malformed headers are
 * ignored (the whole file is sent, as RFC 9110 allows); a range starting past the end is
 * unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return null;
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return { start, end };
}

/** A request header's value as one string (repeated headers joined). */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The entity tags listed in an `If-None-Match` / `If-Range` value (`*` as itself). */
function entityTags(header: string): string[] {
  return header.match(/\*|(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * Whether `If-None-Match` matches `etag` (weak comparison, RFC 9110 §13.1.2): the answer is then
 * `304 Not Modified`.
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return entityTags(header).some((tag) => tag === '*' || opaque(tag) === opaque(etag));
}

/**
 * Whether a `Range` may be honoured under `If-Range` (RFC 9110 §13.1.5): without the header,
 * yes; with an entity tag, only when it is strongly equal to `etag`; with a date, only when it is
 * exactly `lastModified`. Otherwise the whole file is sent (200).
 */
export function rangeStillValid(header: string | undefined, etag: string, lastModified: string): boolean {
  if (header === undefined) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !value.startsWith('W/') && value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(lastModified);
}

/** `Content-Disposition: attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266/8187). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function fail(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply
    .code(status)
    .header('Content-Type', 'application/json; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .header('X-Content-Type-Options', 'nosniff')
    .send(errorBody({ code, message }));
}

/**
 * Registers `GET /files/:fileId?variant&exp&uid&sig`: serves a stored file (or its thumbnail)
 * only for a valid, unexpired signature of a user who is still a member of the file's conversation, as an attachment with `nosniff`, a sandboxing CSP,
 * private caching until the URL expires, and single-range support (206/416). Pages on an allowed
 * origin get CORS headers (and an answer to their preflight), so they can `fetch()` the bytes.
 */
export function registerDownloadRoute(http: FastifyInstance, options: DownloadRouteOptions): void {
  const { store, storage, urlKey, allowedOrigins, logger } = options;
  http.options('/files/:fileId', async (request, reply) => answerDownloadPreflight(request, reply, allowedOrigins));
  http.get<{ Params: { fileId: string }; Querystring: Record<string, unknown> }>('/files/:fileId', async (request, reply) => {
    const { fileId } = request.params;
    applyDownloadCors(request, reply, allowedOrigins);
    const nowSec = Math.floor(Date.now() / 1000);
    const grant = /^[A-Za-z0-9_-]{1,64}$/.test(fileId) ? verifyFileUrl(urlKey, fileId, request.query, nowSec) : null;
    if (!grant) return fail(reply, 403, ErrorCode.URL_EXPIRED_OR_INVALID, 'this download URL is expired or invalid; ask for a new one');
    const file = await store.getFile(fileId);
    const thumbnail = grant.variant === 'thumbnail';
    if (!file || (thumbnail && file.thumbnailMime === null)) return fail(reply, 404, ErrorCode.FILE_NOT_FOUND, 'no such file');
    // An export's URL serves only the files its user uploaded (membership may be long gone).
    if (grant.scope === 'export') {
      if (file.uploaderId !== grant.uid) return fail(reply, 403, ErrorCode.URL_EXPIRED_OR_INVALID, 'this download URL is expired or invalid; ask for a new one');
    } else if (!(await store.getMembership(file.conversationId, grant.uid))) {
      // The URL stops working as soon as the user it was signed for leaves the conversation.
      return fail(reply, 403, ErrorCode.NOT_A_MEMBER, 'the user this URL was signed for is no longer a member of its conversation');
    }
    const key = thumbnail ? `${file.storageKey}.thumb` : file.storageKey;
    const missing = () => {
      logger.warn({ fileId, key }, 'file row without stored bytes');
      return fail(reply, 404, ErrorCode.FILE_NOT_FOUND, 'no such file');
    };
    // The row knows an original's size (files never change); only thumbnails need a stat.
    const size = thumbnail ? (await storage.stat(key))?.size : file.size;
    if (size === undefined) return missing();
    const etag = `"${file.sha256.slice(0, 32)}${thumbnail ? '-t' : ''}"`;
    const lastModified = new Date(file.createdAt).toUTCString();
    const validators = () =>
      reply
        .header('Cache-Control', `private, max-age=${Math.max(0, grant.exp - nowSec)}`)
        .header('ETag', etag)
        .header('Last-Modified', lastModified);
    // The client holds these bytes already (answered only after the signature and membership checks).
    if (noneMatch(headerValue(request.headers['if-none-match']), etag)) return validators().code(304).send();
    const honoured = rangeStillValid(headerValue(request.headers['if-range']), etag, lastModified);
    const range = honoured ? parseRange(request.headers.range, size) : null;
    if (range === 'unsatisfiable') {
      return reply.code(416).header('Content-Range', `bytes */${size}`).header('Content-Type', 'application/json; charset=utf-8').send(
        errorBody({ code: ErrorCode.INVALID_REQUEST, message: `range not satisfiable (size ${size})` }),
      );
    }
    let body: Readable | '' = '';
    let sender: StoredBytesSender | null = null;
    if (size > 0) {
      try {
        // A HEAD answer has no body: nothing to read.
        // The size is known: the whole file is the range 0..size-1 (no stat).
        if (storage.sender && request.method === 'GET') sender = await storage.sender(key, range ?? { start: 0, end: size - 1 });
        else body = await storage.get(key, range ?? undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return missing();
        throw error;
      }
    }
    const name = thumbnail ? `${file.name.replace(/\.[^.]*$/, '')}-thumbnail.webp` : file.name;
    validators()
      .header('Content-Type', thumbnail ? (file.thumbnailMime ?? 'application/octet-stream') : file.mimeType)
      .header('Content-Disposition', contentDisposition(name))
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "sandbox; default-src 'none'")
      .header('Accept-Ranges', 'bytes');
    if (range) {
      reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${size}`).header('Content-Length', range.end - range.start + 1);
    } else {
      reply.code(200).header('Content-Length', size);
    }
    if (!sender) return reply.send(body);
    // The storage writes the bytes itself (reusing its buffers); fastify only sent nothing.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
    try {
      await sender.sendTo(res);
      res.end();
    } catch (error) {
      // Too late for an error answer: the status line went out. Cut the connection.
      logger.debug({ err: error, fileId }, 'download ended early');
      res.destroy();
    }
    return reply;
  });
}
