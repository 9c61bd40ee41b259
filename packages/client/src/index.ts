export { PlazaClient, plazaClientDefaults } from './PlazaClient.js';
export type { PlazaClientOptions, TokenProvider } from './PlazaClient.js';
export { Conversation } from './Conversation.js';
export type { HistoryQuery, SendOptions } from './Conversation.js';
export { ConversationManager } from './ConversationManager.js';
export type { CreateConversationOptions } from './ConversationManager.js';
export { FileManager } from './files/FileManager.js';
export type { FileVariant, SendFileOptions, UploadFileOptions } from './files/FileManager.js';
export type { NodeReadableLike, UploadInput } from './files/input.js';
export { UploadHandle } from './files/UploadHandle.js';
export { PresenceManager } from './PresenceManager.js';
export { RequestManager } from './desk/RequestManager.js';
export type { OpenRequestOptions, OpenedRequest } from './desk/RequestManager.js';
export { DeskManager } from './desk/DeskManager.js';
export { LiveQueue, QUEUE_VIEWS } from './desk/LiveQueue.js';
export type { QueueView } from './desk/LiveQueue.js';
export { AlertManager } from './desk/AlertManager.js';
export type { AlertListQuery } from './desk/AlertManager.js';
export type { AlertManagerEvents, LiveQueueEvents, RequestManagerEvents } from './desk/events.js';
export { Call } from './calls/Call.js';
export type { JoinCallOptions, PublishCameraOptions, PublishMicrophoneOptions, PublishScreenOptions, PublishTrackOptions } from './calls/Call.js';
export { CallManager } from './calls/CallManager.js';
export { CallState } from './calls/CallState.js';
export { IncomingRing } from './calls/IncomingRing.js';
export { LocalParticipant } from './calls/LocalParticipant.js';
export { LocalTrack } from './calls/LocalTrack.js';
export { Participant } from './calls/Participant.js';
export { RemoteParticipant } from './calls/RemoteParticipant.js';
export { RemoteTrack } from './calls/RemoteTrack.js';
export { layerForWidth } from './calls/layers.js';
export type { WebRtcImplementation } from './calls/webrtc.js';
export type { SettablePresenceStatus } from './PresenceManager.js';
export type { Outbox } from './Outbox.js';
export { ExponentialBackoff, exponentialBackoffDefaults } from './ReconnectPolicy.js';
export type { ExponentialBackoffOptions, ReconnectPolicy } from './ReconnectPolicy.js';
export { InvalidStateError, PlazaError, isRetryableCode } from './errors.js';
export { LogLevel, createLogger, silentLogger } from './logger.js';
export type { LogSink, Logger } from './logger.js';
export { ConnectionState } from './events.js';
export type {
  CallEvents,
  CallLeftReason,
  CallManagerEvents,
  ConversationEvents,
  ConversationManagerEvents,
  OutboxEvents,
  PendingMessage,
  PendingMessageState,
  PlazaClientEvents,
  PresenceManagerEvents,
  RingEndedEvent,
  UploadHandleEvents,
  UploadProgress,
  UploadState,
} from './events.js';
export { ErrorCode, MemberRole, ConversationKind, MessageKind, PresenceStatus, PROTOCOL_VERSION, RETRYABLE_ERROR_CODES, RequestStatus, TrackSource } from '@plaza/protocol';
export type {
  Alert,
  AlertAcknowledgement,
  AlertSeverity,
  CitizenRequest,
  Department,
  OpeningHours,
  QueueItem,
  RequestChange,
  RequestChangeKind,
  RequestLocation,
  Topic,
  Weekday,
  Attachment,
  CallInfo,
  CallParticipant,
  CallTrack,
  ConnectionQuality,
  MediaKind,
  ParticipantLeftReason,
  RingEndReason,
  ConversationRemovedReason,
  ConversationWithState,
  FileInfo,
  HistoryPage,
  ImageInfo,
  Member,
  Message,
  Presence,
  Reaction,
  SessionInfo,
  SignedUrl,
  User,
  WireError,
} from '@plaza/protocol';
