import { ErrorCode, apiRoutes } from '@plaza/protocol';
import type { ApiOperationId, ApiRoute, WireError, WireIssue } from '@plaza/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { serverConfigDefaults } from '../config.js';
import { PlazaError, toPlazaError } from '../errors.js';
import { MemoryRateLimiter } from '../ratelimit/MemoryRateLimiter.js';
import type { BucketOptions } from '../ratelimit/RateLimiter.js';
import type { SignalingContext } from '../signaling/context.js';
import { API_AUTH_REALM, checkApiCredentials } from './apiAuth.js';
import type { ApiContext, ApiHandlers, ApiServices } from './context.js';
import { httpStatusOf } from './httpStatus.js';
import { buildOpenApiDocument } from './openapi.js';
import { RefusalThrottle } from './RefusalThrottle.js';

/** Largest JSON request body the REST API reads. */
export const API_BODY_LIMIT_BYTES = 1024 * 1024;

/** What {@link registerApi} needs. */
export interface RegisterApiOptions {
  /** The signaling context (store, io, calls, files, auditor, …). */
  server: SignalingContext;
  /** REST-only parts of the server. */
  services: ApiServices;
  /** One handler per operation of `apiRoutes`. */
  handlers: ApiHandlers;
  /**
   * Token buckets: `api` per API key (every request; over it `429 RATE_LIMITED`), `apiRefused` per
   * client address for requests refused for their credentials (over it they are still refused but
   * no longer audited one by one). @default `serverConfigDefaults.rateLimits`
   */
  rateLimits?: { api: BucketOptions; apiRefused: BucketOptions };
}

/** A route's path in fastify's syntax: `{id}` → `:id`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function issuesOf(where: 'params' | 'query' | 'body', error: z.ZodError): WireIssue[] {
  return error.issues.map((issue) => ({ path: [where, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))], message: issue.message }));
}

function send(reply: FastifyReply, wire: WireError): FastifyReply {
  const status = httpStatusOf(wire.code);
  if (status === 401) void reply.header('www-authenticate', `Basic realm="${API_AUTH_REALM}"`);
  if (wire.code === ErrorCode.RATE_LIMITED && wire.details?.retryAfterMs !== undefined) {
    void reply.header('retry-after', String(Math.max(1, Math.ceil(wire.details.retryAfterMs / 1000))));
  }
  return reply.code(status).header('cache-control', 'no-store').send({ error: wire });
}

/** The first path parameter's value: what a request acts on, for the audit log. */
function targetOf(params: unknown): string | null {
  if (!params || typeof params !== 'object') return null;
  const first = Object.values(params as Record<string, unknown>)[0];
  return typeof first === 'string' ? first : null;
}

/**
 * Registers the REST API under `/v1` and its OpenAPI document at `/openapi.json` on `http`, in an
 * encapsulated plugin (its error and not-found handling leave the other routes alone).
 *
 * Every request: API key and secret checked (`401 UNAUTHENTICATED` otherwise, audited as
 * `api.refused`), `params`, `query` and `body` validated with the route's zod schemas
 * (`400 INVALID_REQUEST` with `details.issues`, nothing changed), then the handler. Errors are
 * `{ "error": { code, message, details? } }` with the status of their code. Every request that
 * changes something is audited as `api.<operationId>` with the key as actor, its outcome and
 * the caller's address. Each API key has a request rate (`429 RATE_LIMITED` with `Retry-After`
 * above it, not audited); refused credentials are audited one by one up to a rate per address,
 * above which they are counted into the next record (`details.suppressed`).
 */
export function registerApi(http: FastifyInstance, options: RegisterApiOptions): void {
  const { server, services, handlers } = options;
  const logger = server.logger.child({ component: 'api' });
  const rates = options.rateLimits ?? serverConfigDefaults.rateLimits;
  const keyLimiter = new MemoryRateLimiter(rates.api);
  const refusals = new RefusalThrottle(new MemoryRateLimiter(rates.apiRefused));
  http.addHook('onClose', async () => {
    keyLimiter.close();
    refusals.close();
  });
  const routes = Object.values(apiRoutes) as ApiRoute[];
  let document: string | null = null;

  http.get('/openapi.json', async (_req, reply) => {
    document ??= JSON.stringify(buildOpenApiDocument(routes, server.serverVersion, { maxTextBytes: server.limits.maxTextBytes }));
    return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-cache').send(document);
  });

  void http.register(
    async (api) => {
      // Many HTTP tools send `Content-Type: application/json` on every request, also a DELETE or a
      // body-less POST: an empty body is no body here. Anything else goes to fastify's own parser
      // (which refuses `__proto__` and `constructor.prototype` keys).
      const parseJson = api.getDefaultJsonParser('error', 'error');
      api.removeContentTypeParser('application/json');
      api.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: API_BODY_LIMIT_BYTES }, (req, body, done) => {
        const text = typeof body === 'string' ? body : body.toString('utf8');
        if (text.trim() === '') return done(null, undefined);
        parseJson(req, text, done);
      });
      api.setNotFoundHandler((req, reply) => {
        send(reply, { code: ErrorCode.NOT_FOUND, message: `no REST operation ${req.method} ${req.url.split('?')[0] ?? ''}` });
      });
      api.setErrorHandler((error: unknown, _req, reply) => {
        // Fastify's own errors: unparsable JSON, wrong content type, body too large.
        const e = error as { statusCode?: number; code?: string; message?: string };
        if (e.statusCode === 413 || e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          return send(reply, { code: ErrorCode.PAYLOAD_TOO_LARGE, message: `the request body is larger than ${API_BODY_LIMIT_BYTES} bytes`, details: { limit: API_BODY_LIMIT_BYTES } });
        }
        if (e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          return send(reply, { code: ErrorCode.INVALID_REQUEST, message: 'the request body must be JSON (Content-Type: application/json)' });
        }
        if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
          return send(reply, { code: ErrorCode.INVALID_REQUEST, message: `invalid request: ${e.message ?? 'bad request'}` });
        }
        const plaza = toPlazaError(error);
        if (plaza.code === ErrorCode.INTERNAL) logger.error({ err: error }, 'REST request failed');
        return send(reply, plaza.toWire());
      });

      for (const route of routes) {
        const operationId = route.operationId as ApiOperationId;
        const handler = handlers[operationId] as unknown as (input: unknown, ctx: ApiContext) => Promise<unknown>;
        if (typeof handler !== 'function') throw new Error(`no handler for REST operation ${operationId}`);
        const mutates = route.method !== 'GET';
        api.route({
          method: route.method,
          url: fastifyPath(route.path).replace(/^\/v1/, ''),
          bodyLimit: API_BODY_LIMIT_BYTES,
          handler: async (req: FastifyRequest, reply: FastifyReply) => {
            const ip = req.socket.remoteAddress ?? null;
            const apiKey = checkApiCredentials(req.headers.authorization, server.apiKeys);
            if (!apiKey) {
              const refusal = await refusals.check(ip);
              if (refusal.audit) {
                server.auditor.record({
                  action: 'api.refused',
                  outcome: 'denied',
                  reason: ErrorCode.UNAUTHENTICATED,
                  ip,
                  details: {
                    operation: operationId,
                    credentials: req.headers.authorization ? 'wrong' : 'missing',
                    ...(refusal.suppressed > 0 ? { suppressed: refusal.suppressed } : {}),
                    ...(refusal.rateLimited ? { rateLimited: true } : {}),
                  },
                });
              }
              return send(reply, { code: ErrorCode.UNAUTHENTICATED, message: 'this API needs an API key and secret (Authorization: Basic base64(key:secret))' });
            }
            const actorId = `api:${apiKey}`;
            const rate = await keyLimiter.consume(apiKey);
            if (!rate.allowed) {
              // Not audited: a client over its rate would flood the audit log with its retries.
              return send(reply, {
                code: ErrorCode.RATE_LIMITED,
                message: `too many requests for API key ${apiKey}; try again in ${rate.retryAfterMs} ms`,
                details: { retryAfterMs: rate.retryAfterMs },
              });
            }
            const audit = (outcome: 'allowed' | 'denied', reason: string | null, result?: unknown) => {
              if (!mutates) return;
              // A create has no path parameter: its target is the id of what it created.
              const created = result && typeof result === 'object' ? (result as { id?: unknown }).id : undefined;
              const target = route.redactAuditTarget ? null : (targetOf(req.params) ?? (typeof created === 'string' ? created : null));
              server.auditor.record({ action: `api.${operationId}`, actorId, target, outcome, reason, ip });
            };
            if (server.isClosing()) return send(reply, { code: ErrorCode.UNAVAILABLE, message: 'the server is shutting down' });

            const issues: WireIssue[] = [];
            const parse = (where: 'params' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): unknown => {
              if (!schema) {
                // No schema means nothing is accepted there: unknown query keys or a body are refused,
                // like unknown keys of a schema'd object.
                if (where === 'body' && value !== undefined && value !== null && !(typeof value === 'object' && Object.keys(value).length === 0)) {
                  issues.push({ path: ['body'], message: 'this operation takes no body' });
                }
                if (where === 'query' && value && typeof value === 'object') {
                  for (const key of Object.keys(value)) issues.push({ path: ['query', key], message: 'this operation takes no query parameters' });
                }
                return where === 'body' ? undefined : {};
              }
              // A missing body is `{}` where that is a valid body (every field optional).
              const missing = where === 'body' ? (schema.safeParse({}).success ? {} : undefined) : {};
              const result = schema.safeParse(value === undefined ? missing : value);
              if (!result.success) {
                issues.push(...issuesOf(where, result.error));
                return undefined;
              }
              return result.data;
            };
            const input = {
              params: parse('params', route.params, req.params),
              query: parse('query', route.query, req.query),
              body: parse('body', route.body, req.body),
            };
            if (issues.length > 0) {
              audit('denied', ErrorCode.INVALID_REQUEST);
              const first = issues[0] as WireIssue;
              return send(reply, {
                code: ErrorCode.INVALID_REQUEST,
                message: `invalid request: ${first.path.join('.')}: ${first.message}`,
                details: { issues },
              });
            }
            const ctx: ApiContext = {
              server,
              services,
              apiKey,
              actorId,
              ip,
              logger: logger.child({ operation: operationId }),
              baseUrl: `${req.protocol}://${req.host}`,
            };
            const track = (async () => handler(input, ctx))();
            server.inflight.add(track);
            try {
              const result = await track;
              audit('allowed', null, result);
              void reply.code(route.status).header('cache-control', 'no-store');
              return route.status === 204 ? reply.send() : reply.send(result);
            } catch (error) {
              const plaza = error instanceof PlazaError ? error : toPlazaError(error);
              if (plaza.code === ErrorCode.INTERNAL) ctx.logger.error({ err: error }, 'REST handler failed');
              audit('denied', plaza.code);
              return send(reply, plaza.toWire());
            } finally {
              server.inflight.delete(track);
            }
          },
        });
      }
    },
    { prefix: '/v1' },
  );
}
