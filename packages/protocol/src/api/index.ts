import { alertsRoutes } from './alerts.js';
import { auditRoutes } from './audit.js';
import { callsRoutes } from './calls.js';
import { conversationsRoutes } from './conversations.js';
import { deskRequestsRoutes } from './deskRequests.js';
import { deskRoutes } from './desk.js';
import type { ApiRoute, RouteInput, RouteOutput, RouteParsedInput } from './route.js';
import { usersRoutes } from './users.js';
import { webhooksRoutes } from './webhooks.js';

/**
 * Every REST operation, by `operationId`. Groups live in their own files and are merged here.
 */
export const apiRoutes = {
  ...conversationsRoutes,
  ...callsRoutes,
  ...webhooksRoutes,
  ...usersRoutes,
  ...auditRoutes,
  ...alertsRoutes,
  ...deskRequestsRoutes,
  ...deskRoutes,
} satisfies Record<string, ApiRoute>;

/** The operations' names. */
export type ApiOperationId = keyof typeof apiRoutes;
/** The route of one operation. */
export type ApiRouteOf<K extends ApiOperationId> = (typeof apiRoutes)[K];
/** What a caller passes to operation `K`. */
export type ApiInput<K extends ApiOperationId> = RouteInput<ApiRouteOf<K>>;
/** What the server's handler of `K` receives after validation. */
export type ApiParsedInput<K extends ApiOperationId> = RouteParsedInput<ApiRouteOf<K>>;
/** What operation `K` answers. */
export type ApiOutput<K extends ApiOperationId> = RouteOutput<ApiRouteOf<K>>;

export { apiErrorSchema, cursorSchema, defineRoute, pageLimitSchema, pageOf } from './route.js';
export {
  attachmentSchema,
  auditRecordSchema,
  callParticipantSchema,
  callSummarySchema,
  callTrackSchema,
  conversationSchema,
  memberSchema,
  messagePageSchema,
  messageSchema,
  reactionSchema,
} from './entities.js';
export type { AuditRecordOutput } from './entities.js';
export type { ApiRoute, HttpMethod, RouteInput, RouteOutput, RouteParsedInput } from './route.js';
export { auditRoutes, callsRoutes, conversationsRoutes, usersRoutes, webhooksRoutes };
export { alertsRoutes };
export { MAX_ALERT_ACK_TIMEOUT_SEC, alertAcknowledgementSchema, alertChannelSchema, alertSchema } from './alerts.js';
export { deskRequestsRoutes };
export { citizenRequestSchema, citizenRequestWithHistorySchema, requestHistoryEntrySchema, requestLocationOutputSchema } from './deskRequests.js';
export { deskRoutes };
export { clockMinutes, departmentSchema, deskTopicSchema, isTimeZone, openingHoursSchema, openingIntervalSchema } from './desk.js';
export {
  eventIdSchema,
  isWebhookEventFilter,
  webhookDeliverySchema,
  webhookDeliveryStatusSchema,
  webhookEventFilterSchema,
  webhookEventSchema,
  webhookEventTypes,
  webhookFilterMatches,
  webhookSchema,
  webhookUrlSchema,
  webhookWithSecretSchema,
} from './webhooks.js';
export type { WebhookEventType } from './webhooks.js';
export { EXPORT_MAX_FILES, EXPORT_MAX_ITEMS, MAX_RETENTION_SECONDS, MIN_RETENTION_SECONDS, userErasureSchema, userExportSchema } from './users.js';
