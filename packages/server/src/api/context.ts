import type { ApiOperationId, ApiOutput, ApiParsedInput } from '@plaza/protocol';
import type { Logger } from 'pino';
import type { SignalingContext } from '../signaling/context.js';
import type { WebhookDispatcher } from '../webhooks/WebhookDispatcher.js';

/**
 * Server parts only the REST API uses, next to the signaling context. Each capability adds its
 * field here and fills it in `createPlazaServer`.
 */
export interface ApiServices {
  /** Delivers outbox events to webhook endpoints (handlers wake it after a redelivery). */
  webhooks: WebhookDispatcher;
}

/** Everything a REST handler may use about the server and the caller. */
export interface ApiContext {
  /** The server: store, socket.io, calls, files, auditor, limits, … (the same as signaling handlers use). */
  server: SignalingContext;
  /** REST-only parts of the server. */
  services: ApiServices;
  /** The API key that authenticated the request. */
  apiKey: string;
  /** Who acts, as recorded in the audit log and as a message's actor: `api:<apiKey>`. */
  actorId: string;
  /** The caller's address. */
  ip: string | null;
  /** A logger bound to this request's operation. */
  logger: Logger;
  /** `scheme://host` the request was addressed to (from the Host header), for absolute links. */
  baseUrl: string;
}

/** The handler of operation `K`: its validated input in, its answer out; throws `PlazaError` on failure. */
export type ApiHandler<K extends ApiOperationId> = (input: ApiParsedInput<K>, ctx: ApiContext) => Promise<ApiOutput<K>>;

/** One handler per operation. */
export type ApiHandlers = { [K in ApiOperationId]: ApiHandler<K> };

/** The handlers of some operations (one capability's file). */
export type ApiHandlerGroup<K extends ApiOperationId> = { [P in K]: ApiHandler<P> };
