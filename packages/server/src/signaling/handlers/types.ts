import type { RequestName, RequestOf, ResponseOf } from '@plaza/protocol';
import type { RequestContext } from '../context.js';

/** Handles one validated request; throws `PlazaError` for expected failures. */
export type Handler<K extends RequestName> = (ctx: RequestContext, payload: RequestOf<K>) => Promise<ResponseOf<K>>;

/** A handler for every request of the protocol. */
export type HandlerMap = { [K in RequestName]: Handler<K> };
