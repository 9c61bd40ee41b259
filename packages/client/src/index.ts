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
export type { SettablePresenceStatus } from './PresenceManager.js';
export type { Outbox } from './Outbox.js';
export { ExponentialBackoff, exponentialBackoffDefaults } from './ReconnectPolicy.js';
export type { ExponentialBackoffOptions, ReconnectPolicy } from './ReconnectPolicy.js';
export { InvalidStateError, PlazaError, isRetryableCode } from './errors.js';
export { LogLevel, createLogger, silentLogger } from './logger.js';
export type { LogSink, Logger } from './logger.js';
export { ConnectionState } from './events.js';
export type {
  ConversationEvents,
  ConversationManagerEvents,
  OutboxEvents,
  PendingMessage,
  PendingMessageState,
  PlazaClientEvents,
  PresenceManagerEvents,
  UploadHandleEvents,
  UploadProgress,
  UploadState,
} from './events.js';
export { ErrorCode, MemberRole, ConversationKind, MessageKind, PresenceStatus, PROTOCOL_VERSION, RETRYABLE_ERROR_CODES } from '@plaza/protocol';
export type {
  Attachment,
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
