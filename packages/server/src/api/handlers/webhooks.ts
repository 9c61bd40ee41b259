import type { webhooksRoutes } from '@plaza/protocol';
import type { ApiHandlerGroup } from '../context.js';

/** Handlers of the REST operations in `webhooksRoutes`. */
export const webhooksHandlers: ApiHandlerGroup<keyof typeof webhooksRoutes> = {};
