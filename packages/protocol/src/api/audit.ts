import { z } from 'zod';
import { defineRoute } from './route.js';
import type { ApiRoute } from './route.js';

/** REST operations: The audit log. */
export const auditRoutes = {
} satisfies Record<string, ApiRoute>;

// Until routes are added: keeps the imports every group needs.
void z;
void defineRoute;
