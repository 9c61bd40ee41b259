import { ErrorCode, SUPPORTED_PROTOCOL_VERSIONS, handshakeAuthSchema, isSupportedProtocolVersion } from '@plaza/protocol';
import type { WireError } from '@plaza/protocol';
import { TokenError, verifyAccessToken } from '@plaza/server-sdk';
import type { ExtendedError } from 'socket.io';
import type { PlazaSocket, SignalingContext } from './context.js';
import { isOriginRefused } from './origin.js';

/** Longest access token accepted in the handshake, in characters (as the protocol's handshake schema). */
const MAX_HANDSHAKE_TOKEN_LENGTH = 8192;

/** The error a socket.io middleware passes to `next()`: the client sees it as `connect_error` with `err.data`. */
export function refusal(wire: WireError): ExtendedError {
  const err = new Error(wire.message) as ExtendedError;
  err.data = wire;
  return err;
}

/**
 * Whether a token issued at `issuedAtSec` (its `iat`, unix seconds) is void because the user's
 * sessions were revoked at `revokedAt`: tokens issued in or before the second of the revocation
 * are (a token's `iat` has whole seconds only, so one minted in that same second is refused too).
 *
 * @param issuedAtSec - the token's `iat`
 * @param revokedAt - the user's `sessions_revoked_at` (ISO 8601), or `null` when never revoked
 */
export function isTokenRevoked(issuedAtSec: number, revokedAt: string | null): boolean {
  if (revokedAt === null) return false;
  return issuedAtSec <= Math.floor(Date.parse(revokedAt) / 1000);
}

/** Remote address of a socket's handshake. */
export function remoteAddress(socket: PlazaSocket): string | null {
  return socket.handshake.address || null;
}

/**
 * The handshake middleware: checks Origin, protocol version, access token and the user's session
 * revocation (`TOKEN_REVOKED` for a token issued at or before it), then loads what
 * the connection handler needs (the user's conversations) and upserts the user. Runs on every
 * connection and on every session recovery (`skipMiddlewares: false`), so a recovered session
 * is re-authenticated too. Refusals are audited as `connection.refused` with the reason and IP,
 * never the token.
 */
export function createAuthMiddleware(ctx: SignalingContext): (socket: PlazaSocket, next: (err?: ExtendedError) => void) => void {
  const logger = ctx.logger.child({ component: 'auth' });
  const refuse = (socket: PlazaSocket, next: (err?: ExtendedError) => void, wire: WireError, actorId: string | null = null) => {
    // Origin refusals were counted and audited when the transport handshake came in.
    if (wire.code === ErrorCode.ORIGIN_NOT_ALLOWED) {
      next(refusal(wire));
      return;
    }
    ctx.metrics.refusals.inc({ reason: wire.code });
    ctx.auditor.record({
      action: 'connection.refused',
      actorId,
      outcome: 'denied',
      reason: wire.code,
      ip: remoteAddress(socket),
      details: { origin: socket.handshake.headers.origin ?? null },
    });
    next(refusal(wire));
  };

  return (socket, next) => {
    void (async () => {
      if (ctx.isClosing()) {
        next(refusal({ code: ErrorCode.UNAVAILABLE, message: 'the server is shutting down' }));
        return;
      }
      if (isOriginRefused(socket.request)) {
        refuse(socket, next, {
          code: ErrorCode.ORIGIN_NOT_ALLOWED,
          message: `origin ${String(socket.handshake.headers.origin)} is not allowed by this server`,
        });
        return;
      }
      const raw = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      // Version first, then token, each with its own precise message.
      if (raw.protocolVersion !== undefined && typeof raw.protocolVersion !== 'number') {
        refuse(socket, next, {
          code: ErrorCode.PROTOCOL_MISMATCH,
          message: `protocolVersion must be a number, got ${typeof raw.protocolVersion} ${JSON.stringify(raw.protocolVersion) ?? ''}`.trim(),
        });
        return;
      }
      if (raw.protocolVersion !== undefined && !isSupportedProtocolVersion(raw.protocolVersion)) {
        refuse(socket, next, {
          code: ErrorCode.PROTOCOL_MISMATCH,
          message: `protocol version ${String(raw.protocolVersion)} is not supported; this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
        });
        return;
      }
      if (typeof raw.token !== 'string' || raw.token.length === 0) {
        refuse(socket, next, { code: ErrorCode.UNAUTHENTICATED, message: 'no access token in the handshake auth' });
        return;
      }
      if (raw.token.length > MAX_HANDSHAKE_TOKEN_LENGTH) {
        refuse(socket, next, {
          code: ErrorCode.UNAUTHENTICATED,
          message: `the access token is longer than ${MAX_HANDSHAKE_TOKEN_LENGTH} characters`,
        });
        return;
      }
      const auth = handshakeAuthSchema.safeParse(raw);
      if (!auth.success) {
        const issue = auth.error.issues[0];
        const path = issue?.path.map(String).join('.') ?? '';
        refuse(socket, next, {
          code: ErrorCode.PROTOCOL_MISMATCH,
          message: path === 'protocolVersion' || raw.protocolVersion === undefined
            ? 'the handshake auth needs a numeric protocolVersion'
            : `invalid handshake auth: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid value'}`,
        });
        return;
      }
      let verified;
      try {
        verified = await verifyAccessToken(auth.data.token, ctx.apiKeys, { maxTtlSec: ctx.limits.maxTokenTtlSec });
      } catch (error) {
        const code = error instanceof TokenError ? error.code : ErrorCode.UNAUTHENTICATED;
        refuse(socket, next, { code, message: error instanceof TokenError ? error.message : 'token could not be verified' });
        return;
      }
      if (verified.expiresAt.getTime() <= Date.now()) {
        // Within the verifier's clock tolerance, but it would be disconnected at once.
        refuse(socket, next, { code: ErrorCode.TOKEN_EXPIRED, message: 'token has expired' }, verified.identity);
        return;
      }
      const user = { id: verified.identity, name: verified.name, metadata: verified.metadata };
      let revoked = false;
      try {
        await ctx.store.upsertUser(user);
        const conversationIds = await ctx.store.conversationIdsOf(user.id);
        const departmentIds = (await ctx.store.directory.departmentsOfAgent(user.id)).map((d) => d.id);
        // Read last, just before the socket joins its user's room: a revocation committed after
        // this read finds the socket in that room and disconnects it.
        revoked = isTokenRevoked(Math.floor(verified.issuedAt.getTime() / 1000), await ctx.store.sessionsRevokedAt(user.id));
        socket.data = {
          user,
          grants: verified.grants,
          expiresAtMs: verified.expiresAt.getTime(),
          protocolVersion: auth.data.protocolVersion,
          ip: remoteAddress(socket),
          conversationIds,
          departmentIds,
        };
      } catch (error) {
        logger.error({ err: error, userId: user.id }, 'could not load the user on connect');
        next(refusal({ code: ErrorCode.UNAVAILABLE, message: 'the server could not load your account; retry later' }));
        return;
      }
      if (revoked) {
        refuse(socket, next, { code: ErrorCode.TOKEN_REVOKED, message: "this token was revoked with the user's sessions; get a new one" }, user.id);
        return;
      }
      ctx.auditor.record({
        action: 'connection.accepted',
        actorId: user.id,
        ip: remoteAddress(socket),
        details: { recovered: socket.recovered, sdk: auth.data.sdk ?? null },
      });
      next();
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'auth middleware failed');
      next(refusal({ code: ErrorCode.INTERNAL, message: 'internal server error' }));
    });
  };
}
