import type { usersRoutes } from '@plaza/protocol';
import type { ApiHandlerGroup } from '../context.js';

/** Handlers of the REST operations in `usersRoutes`. */
export const usersHandlers: ApiHandlerGroup<keyof typeof usersRoutes> = {};
