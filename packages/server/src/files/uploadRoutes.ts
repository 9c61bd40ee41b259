import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@plaza/protocol';
import type { ResolvedGrants } from '@plaza/protocol';
import { TokenError, verifyAccessToken } from '@plaza/server-sdk';
import { isTokenRevoked } from '../signaling/auth.js';
import { Server as TusServer } from '@tus/server';
import type { Upload } from '@tus/server';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { PlazaError, toPlazaError } from '../errors.js';
import type { Auditor } from '../Auditor.js';
import type { RateLimiter } from '../ratelimit/RateLimiter.js';
import { isOriginAllowed } from '../signaling/origin.js';
import type { ChatStore } from '../storage/ChatStore.js';
import { randomBase62 } from '../storage/ids.js';
import { DirectBody } from './DirectBody.js';
import { UPLOADER_KEY } from './FileService.js';
import type { FileService } from './FileService.js';
import { fromPlazaError, isRefusal, jsonErrorBody } from './httpErrors.js';

/** Where the tus endpoint lives, relative to the server URL. */
export const UPLOAD_PATH = '/files/uploads';

/** Response header naming the stored file once the last bytes of an upload arrived. */
export const FILE_ID_HEADER = 'Plaza-File-Id';

/**
 * Response header with the stored file's `FileInfo` (JSON, base64url) on the request that
 * completed an upload, so the client needs no `file:get` afterwards.
 */
export const FILE_INFO_HEADER = 'Plaza-File-Info';

/** What the upload routes need. */
export interface UploadRouteOptions {
  files: FileService;
  store: ChatStore;
  apiKeys: Readonly<Record<string, string>>;
  allowedOrigins: readonly string[];
  /** Per-user request limiter (every tus request spends one token). */
  limiter: RateLimiter;
  auditor: Auditor;
  logger: Logger;
  isClosing(): boolean;
}

interface Principal {
  userId: string;
  grants: ResolvedGrants;
  /** The token's `iat`, unix seconds (checked against the user's session revocation). */
  issuedAtSec: number;
}

/** A new file id (also the tus upload id): `f_` and 20 random base62 characters. */
export function newFileId(): string {
  return `f_${randomBase62()}`;
}

/**
 * Registers the tus 1.0.0 endpoint (`POST/HEAD/PATCH/DELETE/OPTIONS /files/uploads[/:id]`) on
 * fastify. Every request needs `Authorization: Bearer <access token>` with the `canUploadFiles`
 * grant; creation also checks membership, size and quota before anything is stored; only the
 * uploader may continue, inspect or cancel an upload. Errors answer `{ "error": { code, message } }`.
 */
export function registerUploadRoutes(http: FastifyInstance, options: UploadRouteOptions): TusServer {
  const { files, store, logger } = options;
  const principals = new WeakMap<object, Principal>();

  // Tokens already verified (an upload sends the same one with every request): the signature
  // check is skipped for them until they expire. Bounded; the oldest entry goes first.
  const verifiedTokens = new Map<string, { principal: Principal; expiresAtMs: number }>();
  // Checked on every request, cached token or not: a revocation takes effect at once.
  const refuseRevoked = async (principal: Principal): Promise<Principal> => {
    if (isTokenRevoked(principal.issuedAtSec, await store.sessionsRevokedAt(principal.userId))) {
      options.auditor.record({ action: 'connection.refused', actorId: principal.userId, outcome: 'denied', reason: ErrorCode.TOKEN_REVOKED, details: { route: 'files' } });
      throw new PlazaError(ErrorCode.TOKEN_REVOKED, "this token was revoked with the user's sessions; get a new one");
    }
    return principal;
  };
  const verify = async (token: string): Promise<Principal> => {
    const known = verifiedTokens.get(token);
    if (known && known.expiresAtMs > Date.now()) return refuseRevoked(known.principal);
    let verified;
    try {
      verified = await verifyAccessToken(token, options.apiKeys);
    } catch (error) {
      if (error instanceof TokenError) throw new PlazaError(error.code, error.message);
      throw new PlazaError(ErrorCode.UNAUTHENTICATED, 'token could not be verified');
    }
    const expiresAtMs = verified.expiresAt.getTime();
    if (expiresAtMs <= Date.now()) throw new PlazaError(ErrorCode.TOKEN_EXPIRED, 'token has expired');
    const principal = { userId: verified.identity, grants: verified.grants, issuedAtSec: Math.floor(verified.issuedAt.getTime() / 1000) };
    verifiedTokens.delete(token);
    verifiedTokens.set(token, { principal, expiresAtMs });
    if (verifiedTokens.size > VERIFIED_TOKENS_KEPT) {
      const oldest = verifiedTokens.keys().next().value;
      if (oldest !== undefined) verifiedTokens.delete(oldest);
    }
    return refuseRevoked(principal);
  };

  const authenticate = async (req: Request): Promise<Principal> => {
    if (options.isClosing()) throw new PlazaError(ErrorCode.UNAVAILABLE, 'the server is shutting down; retry later');
    const header = req.headers.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new PlazaError(ErrorCode.UNAUTHENTICATED, 'an Authorization: Bearer <access token> header is required');
    const principal = await verify(match[1]);
    if (!principal.grants.canUploadFiles) {
      options.auditor.record({ action: 'grant.denied', actorId: principal.userId, outcome: 'denied', reason: 'canUploadFiles' });
      throw new PlazaError(ErrorCode.PERMISSION_DENIED, 'your token does not allow uploading files (canUploadFiles)');
    }
    const decision = await options.limiter.consume(principal.userId);
    if (!decision.allowed) {
      throw new PlazaError(ErrorCode.RATE_LIMITED, 'too many requests; slow down', { details: { retryAfterMs: decision.retryAfterMs } });
    }
    return principal;
  };

  const asRefusal = (error: unknown) => {
    if (isRefusal(error)) return error;
    const plaza = toPlazaError(error);
    if (plaza.code === ErrorCode.INTERNAL) logger.error({ err: error }, 'upload request failed unexpectedly');
    return fromPlazaError(plaza);
  };

  // Upload requests (POST/PATCH) in progress per user: each holds a connection, a file handle and
  // possibly a thumbnail's worth of CPU and memory, so one user cannot take them all.
  const maxConcurrent = files.policy.maxConcurrentUploadsPerUser ?? DEFAULT_MAX_CONCURRENT_UPLOADS;
  const active = new Map<string, number>();
  // Per-request state, found from tus's web Request through the Node request it wraps (a map, not
  // an AsyncLocalStorage: that would turn on promise hooks, a cost on every promise of the server).
  const slots = new WeakMap<IncomingMessage, Slot>();
  const slotOf = (req: Request) => {
    const raw = nodeRequestOf(req);
    return raw ? slots.get(raw) : undefined;
  };
  const occupy = (req: Request, userId: string) => {
    const slot = slotOf(req);
    if (!slot || slot.userId !== null) return;
    const count = active.get(userId) ?? 0;
    if (count >= maxConcurrent) {
      throw new PlazaError(ErrorCode.RATE_LIMITED, `at most ${maxConcurrent} uploads at once; wait for one to finish`, { details: { retryAfterMs: 1000 } });
    }
    active.set(userId, count + 1);
    slot.userId = userId;
  };
  const vacate = (slot: Slot) => {
    if (slot.userId === null) return;
    const count = (active.get(slot.userId) ?? 1) - 1;
    if (count <= 0) active.delete(slot.userId);
    else active.set(slot.userId, count);
    slot.userId = null;
  };

  /**
   * Gives tus a placeholder body and the data store the request itself, so the bytes skip tus's
   * web-stream body path (see {@link DirectBody}).
   */
  const readBodyDirectly = (req: Request, uploadId: string) => {
    const raw = nodeRequestOf(req);
    const slot = slotOf(req);
    if (!raw || !slot || req.headers.get('content-type') !== 'application/offset+octet-stream') return;
    let close = () => {};
    const placeholder = new ReadableStream<Uint8Array>({
      start(controller) {
        close = () => {
          try {
            controller.close();
          } catch {
            // already closed or cancelled
          }
        };
      },
    });
    Object.defineProperty(req, 'body', { value: placeholder, configurable: true });
    slot.detach = files.uploads.attachBody(uploadId, new DirectBody(raw, () => close(), req.method === 'POST'));
  };

  // Deferred lengths are refused at creation (the size is checked before any byte), so not advertised.
  files.uploads.extensions = files.uploads.extensions.filter((e) => e !== 'creation-defer-length');

  const tus = new TusServer({
    path: UPLOAD_PATH,
    datastore: files.uploads,
    relativeLocation: true,
    respectForwardedHeaders: false,
    exposedHeaders: [FILE_ID_HEADER, FILE_INFO_HEADER],
    // Without this, @tus/server answers every Origin with `Access-Control-Allow-Origin: *`.
    allowedOrigins: (origin) => isOriginAllowed(origin, undefined, options.allowedOrigins),
    disableTerminationForFinishedUploads: true,
    namingFunction: () => newFileId(),
    async onIncomingRequest(req, uploadId) {
      try {
        const principal = await authenticate(req);
        principals.set(req, principal);
        if (req.method === 'POST' || req.method === 'PATCH') {
          occupy(req, principal.userId);
          readBodyDirectly(req, uploadId);
        }
        if (req.method === 'POST') return;
        let upload: Upload;
        try {
          upload = await files.uploads.getUpload(uploadId);
        } catch {
          throw new PlazaError(ErrorCode.FILE_NOT_FOUND, 'no such upload');
        }
        // Somebody else's upload looks exactly like a missing one.
        if (upload.metadata?.[UPLOADER_KEY] !== principal.userId) throw new PlazaError(ErrorCode.FILE_NOT_FOUND, 'no such upload');
      } catch (error) {
        throw asRefusal(error);
      }
    },
    async onUploadCreate(req, upload) {
      try {
        const principal = principals.get(req);
        if (!principal) throw new PlazaError(ErrorCode.UNAUTHENTICATED, 'not authenticated');
        const meta = upload.metadata ?? {};
        const conversationId = meta.conversationId;
        if (!conversationId || !/^[A-Za-z0-9_-]{1,64}$/.test(conversationId)) {
          throw invalid('conversationId', 'Upload-Metadata needs conversationId (an id)');
        }
        if (!meta.filename) throw invalid('filename', 'Upload-Metadata needs filename');
        if (meta.sha256 !== undefined && meta.sha256 !== null && !/^[0-9a-fA-F]{64}$/.test(meta.sha256)) {
          throw invalid('sha256', 'sha256 must be 64 hexadecimal digits');
        }
        if (upload.size === undefined) throw invalid('Upload-Length', 'Upload-Length is required (deferred lengths are not supported)');
        if (upload.size === 0) throw invalid('Upload-Length', 'empty files are not accepted');
        // One read for both (the conversation with the caller's membership, if any).
        const found = await store.getConversationForMember(conversationId, principal.userId);
        if (!found) throw new PlazaError(ErrorCode.CONVERSATION_NOT_FOUND, `no conversation ${conversationId}`);
        const { conversation, membership } = found;
        if (!membership) throw new PlazaError(ErrorCode.NOT_A_MEMBER, `you are not a member of conversation ${conversationId}`);
        const role = principal.grants.admin ? 'owner' : membership.role;
        if (conversation.kind === 'channel' && role !== 'owner' && role !== 'moderator') {
          throw new PlazaError(ErrorCode.FORBIDDEN_ROLE, 'only owners and moderators may post in a channel');
        }
        await files.reserve(upload.id, principal.userId, upload.size);
        logger.debug({ uploadId: upload.id, userId: principal.userId, size: upload.size }, 'upload created');
        return { metadata: { ...meta, [UPLOADER_KEY]: principal.userId } };
      } catch (error) {
        throw asRefusal(error);
      }
    },
    async onUploadFinish(_req, upload) {
      try {
        const { storageKey: _key, thumbnailMime: _thumb, ...info } = await files.finish(upload);
        return { headers: { [FILE_ID_HEADER]: info.fileId, [FILE_INFO_HEADER]: Buffer.from(JSON.stringify(info)).toString('base64url') } };
      } catch (error) {
        throw asRefusal(error);
      }
    },
    onResponseError(_req, error) {
      if (isRefusal(error)) return { status_code: error.status_code, body: jsonErrorBody(error.status_code, error.body) };
      logger.error({ err: error }, 'upload request failed unexpectedly');
      return { status_code: 500, body: jsonErrorBody(500, 'internal server error') };
    },
  });
  // tus answers some requests itself, before any hook (no Tus-Resumable, invalid headers): every
  // error answer goes through `write`, which now makes it JSON with a stable code.
  const write = tus.write.bind(tus);
  tus.write = (context, headers, status, body = '') => {
    if (status < 400) return write(context, headers, status, body);
    headers.set('Content-Type', JSON_TYPE);
    return write(context, headers, status, jsonErrorBody(status, body));
  };

  http.register(async (scope) => {
    // tus reads the raw request body itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = async (request: { raw: import('node:http').IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      reply.hijack();
      // tus echoes allowed origins only (see allowedOrigins above); caches must key on Origin.
      reply.raw.setHeader('Vary', 'Origin');
      jsonErrors(reply.raw);
      const slot: Slot = { userId: null, detach: null };
      try {
        slots.set(request.raw, slot);
        await tus.handle(request.raw, reply.raw);
      } finally {
        slots.delete(request.raw);
        vacate(slot);
        slot.detach?.();
      }
    };
    const methods = ['POST', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'] as const;
    scope.route({ method: [...methods], url: UPLOAD_PATH, handler });
    scope.route({ method: [...methods], url: `${UPLOAD_PATH}/:uploadId`, handler });
  });
  return tus;
}

/** The Node request under one of tus's web Requests (srvx keeps it there). */
function nodeRequestOf(req: Request): IncomingMessage | undefined {
  return (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}

/** Per-request state of an upload request. */
interface Slot {
  /** The user holding one of the concurrent-upload slots, once counted. */
  userId: string | null;
  /** Forgets the request's directly read body if no write took it. */
  detach: (() => void) | null;
}

/** Verified access tokens remembered by the upload routes. */
const VERIFIED_TOKENS_KEPT = 1000;

/** Default of `FilePolicy.maxConcurrentUploadsPerUser`. */
const DEFAULT_MAX_CONCURRENT_UPLOADS = 8;

function invalid(field: string, message: string): PlazaError {
  return new PlazaError(ErrorCode.INVALID_REQUEST, message, { details: { issues: [{ path: [field], message }] } });
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** `headers` (flat `[k, v, …]`, `[[k, v], …]` or an object) with Content-Type set to JSON. */
function withJsonType(headers: unknown): unknown {
  if (Array.isArray(headers)) {
    if (headers.every((h) => Array.isArray(h))) {
      return [...(headers as [string, string][]).filter(([k]) => k.toLowerCase() !== 'content-type'), ['Content-Type', JSON_TYPE]];
    }
    const out: unknown[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() !== 'content-type') out.push(headers[i], headers[i + 1]);
    }
    return [...out, 'Content-Type', JSON_TYPE];
  }
  if (headers && typeof headers === 'object') {
    const out = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
    return { ...out, 'Content-Type': JSON_TYPE };
  }
  return headers;
}

/** Makes error responses (status ≥ 400) say their body is JSON (tus answers them as text/plain). */
function jsonErrors(res: ServerResponse): void {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  (res as unknown as { writeHead: (...args: unknown[]) => ServerResponse }).writeHead = (status: unknown, ...rest: unknown[]) => {
    if (typeof status !== 'number' || status < 400) return writeHead(status, ...rest);
    res.setHeader('Content-Type', JSON_TYPE);
    const last = rest.length - 1;
    if (last >= 0 && typeof rest[last] === 'object') rest[last] = withJsonType(rest[last]);
    return writeHead(status, ...rest);
  };
}
