import type { ApiHandlers } from '../context.js';
import { alertsHandlers } from './alerts.js';
import { auditHandlers } from './audit.js';
import { callsHandlers } from './calls.js';
import { conversationsHandlers } from './conversations.js';
import { deskRequestsHandlers } from './deskRequests.js';
import { deskHandlers } from './desk.js';
import { usersHandlers } from './users.js';
import { webhooksHandlers } from './webhooks.js';

/** Every REST operation's handler (TypeScript checks none is missing). */
export const apiHandlers: ApiHandlers = {
  ...conversationsHandlers,
  ...callsHandlers,
  ...webhooksHandlers,
  ...usersHandlers,
  ...auditHandlers,
  ...deskHandlers,
  ...alertsHandlers,
  ...deskRequestsHandlers,
};
