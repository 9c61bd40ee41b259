import type { conversationsRoutes } from '@plaza/protocol';
import type { ApiHandlerGroup } from '../context.js';

/** Handlers of the REST operations in `conversationsRoutes`. */
export const conversationsHandlers: ApiHandlerGroup<keyof typeof conversationsRoutes> = {};
