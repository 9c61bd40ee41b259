export { PlazaClient, plazaClientDefaults } from './PlazaClient.js';
export type { PlazaClientOptions, TokenProvider } from './PlazaClient.js';
export { Conversation } from './Conversation.js';
export type { HistoryQuery, SendOptions } from './Conversation.js';
export { ConversationManager } from './ConversationManager.js';
export type { CreateConversationOptions } from './ConversationManager.js';
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
} from './events.js';
export { ErrorCode, MemberRole, ConversationKind, MessageKind, PresenceStatus, PROTOCOL_VERSION, RETRYABLE_ERROR_CODES } from '@plaza/protocol';
export type {
  ConversationRemovedReason,
  ConversationWithState,
  HistoryPage,
  Member,
  Message,
  Presence,
  Reaction,
  SessionInfo,
  User,
  WireError,
} from '@plaza/protocol';
