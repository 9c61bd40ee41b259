// First, before any module that builds a zod schema: version.ts sets zod up for browsers.
export { PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, isSupportedProtocolVersion } from './version.js';
export { ErrorCode, RETRYABLE_ERROR_CODES, isErrorCode } from './errors.js';
export type { Ack, WireError, WireIssue } from './errors.js';
export { ConversationKind, MemberRole, MessageKind, PresenceStatus, TrackSource } from './entities.js';
export type {
  Attachment,
  Conversation,
  ConversationWithState,
  FileInfo,
  ImageInfo,
  Member,
  MembershipState,
  Message,
  Presence,
  Reaction,
  User,
} from './entities.js';
export { grantDefaults, resolveGrants } from './grants.js';
export type { Grants, ResolvedGrants } from './grants.js';
export { limitDefaults } from './limits.js';
export type { Limits } from './limits.js';
export {
  TEXT_HARD_LIMIT,
  clientIdSchema,
  emojiSchema,
  externalRefSchema,
  handshakeAuthSchema,
  hasBidiControl,
  idSchema,
  isBlankText,
  isWellFormedText,
  limitSchema,
  requestSchemas,
  roleSchema,
  seqSchema,
  statusTextSchema,
  textSchema,
  titleSchema,
  topicSchema,
  userIdSchema,
} from './schemas.js';
export type { HandshakeAuth, RequestPayloads } from './schemas.js';
export type {
  ClientToServerEvents,
  ConversationRemovedReason,
  HistoryPage,
  MemberChange,
  ReadState,
  RequestMap,
  RequestName,
  RequestOf,
  ResponseOf,
  ServerEventName,
  ServerToClientEvents,
  SessionInfo,
  SignedUrl,
  SyncPage,
} from './events.js';
export { callRequestSchemas, sourceKind } from './calls.js';
export type {
  CallInfo,
  CallJoined,
  CallParticipant,
  CallRequestMap,
  CallRequestPayloads,
  CallServerEvents,
  CallTrack,
  ConnectionQuality,
  ConsumerOptions,
  DataConsumerOptions,
  MediaKind,
  ParticipantLeftReason,
  RingEndReason,
} from './calls.js';
export {
  dtlsParametersSchema,
  rtpCapabilitiesSchema,
  rtpParametersSchema,
  sctpCapabilitiesSchema,
  sctpStreamParametersSchema,
} from './media.js';
export type {
  DtlsParameters,
  IceCandidate,
  IceParameters,
  IceServer,
  RtpCapabilities,
  RtpParameters,
  SctpCapabilities,
  SctpStreamParameters,
  TransportOptions,
} from './media.js';
export {
  apiErrorSchema,
  apiRoutes,
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
  auditRoutes,
  callsRoutes,
  conversationsRoutes,
  cursorSchema,
  defineRoute,
  pageLimitSchema,
  pageOf,
  usersRoutes,
  webhooksRoutes,
} from './api/index.js';
export type {
  AuditRecordOutput,
  ApiInput,
  ApiOperationId,
  ApiOutput,
  ApiParsedInput,
  ApiRoute,
  ApiRouteOf,
  HttpMethod,
  RouteInput,
  RouteOutput,
  RouteParsedInput,
} from './api/index.js';
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
} from './api/index.js';
export type { WebhookEventType } from './api/index.js';
export { MAX_ALERT_ACK_TIMEOUT_SEC, alertAcknowledgementSchema, alertChannelSchema, alertSchema, alertsRoutes } from './api/index.js';
export { citizenRequestSchema, citizenRequestWithHistorySchema, deskRequestsRoutes, requestHistoryEntrySchema, requestLocationOutputSchema } from './api/index.js';
export { EXPORT_MAX_FILES, EXPORT_MAX_ITEMS, MAX_RETENTION_SECONDS, MIN_RETENTION_SECONDS, userErasureSchema, userExportSchema } from './api/index.js';
export { clockMinutes, departmentSchema, deskRoutes, deskTopicSchema, isTimeZone, openingHoursSchema, openingIntervalSchema } from './api/index.js';
export {
  RequestStatus,
  deskNoteSchema,
  deskRequestSchemas,
  deskSlugSchema,
  requestDescriptionSchema,
  requestLocationSchema,
} from './desk.js';
export type {
  Alert,
  AlertAcknowledgement,
  AlertChannel,
  AlertSeverity,
  CitizenRequest,
  Department,
  DeskRequestMap,
  DeskRequestPayloads,
  DeskServerEvents,
  OpeningHours,
  QueueItem,
  RequestChange,
  RequestChangeKind,
  RequestLocation,
  Topic,
  Weekday,
} from './desk.js';
