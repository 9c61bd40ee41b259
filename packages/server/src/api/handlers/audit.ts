import type { auditRoutes } from '@plaza/protocol';
import type { ApiHandlerGroup } from '../context.js';

/** Handlers of the REST operations in `auditRoutes`. */
export const auditHandlers: ApiHandlerGroup<keyof typeof auditRoutes> = {};
