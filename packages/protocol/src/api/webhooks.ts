import { z } from 'zod';
import { defineRoute } from './route.js';
import type { ApiRoute } from './route.js';

/** REST operations: Webhook endpoints, deliveries and events. */
export const webhooksRoutes = {
} satisfies Record<string, ApiRoute>;

// Until routes are added: keeps the imports every group needs.
void z;
void defineRoute;
