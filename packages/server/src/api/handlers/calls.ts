import type { callsRoutes } from '@plaza/protocol';
import type { ApiHandlerGroup } from '../context.js';

/** Handlers of the REST operations in `callsRoutes`. */
export const callsHandlers: ApiHandlerGroup<keyof typeof callsRoutes> = {};
