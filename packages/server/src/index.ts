export { createPlazaServer } from './createPlazaServer.js';
export type { PlazaServerOptions } from './createPlazaServer.js';
export { PlazaServer } from './PlazaServer.js';
export type { ListenResult } from './PlazaServer.js';
export { ConfigError, LogLevel, serverConfigDefaults, serverConfigSchema } from './config.js';
export type { ResolvedServerConfig, ServerConfigInput } from './config.js';
export { PlazaError } from './errors.js';
export { StartupError } from './StartupError.js';
export { generateKeyPair } from './keys.js';
export type { KeyFile } from './keys.js';
export type { Logger } from './logger.js';
export type { ServerMetrics } from './metrics.js';
export { MemoryPresenceStore } from './presence/MemoryPresenceStore.js';
export type { ChosenStatus, PresenceChange, PresenceStore } from './presence/PresenceStore.js';
export { MemoryRateLimiter } from './ratelimit/MemoryRateLimiter.js';
export type { BucketOptions, RateDecision, RateLimiter } from './ratelimit/RateLimiter.js';
export type { PlazaIo, PlazaSocket, SocketData } from './signaling/context.js';
export { SERVER_VERSION } from './version.js';
export { FileService, THUMBNAIL_MAX_PX } from './files/FileService.js';
export type { FilePolicy, FileServiceOptions } from './files/FileService.js';
export type { ByteRange, FileStorage, StoredBytesSender, StoredObjectStat } from './files/FileStorage.js';
export { LocalDiskFileStorage } from './files/LocalDiskFileStorage.js';
export { MAX_FILE_NAME_BYTES, sanitizeFileName } from './files/sanitizeFileName.js';
export { DANGEROUS_EXTENSIONS, EXTENSIONS_BY_TYPE, safeFileName } from './files/safeFileName.js';
export { FORBIDDEN_FILE_TYPES, defaultAllowedFileTypes, isFileTypeAllowed, sniffContentType } from './files/sniff.js';
export type { FileVariant } from './files/signedUrl.js';
export { FILE_ID_HEADER, UPLOAD_PATH } from './files/uploadRoutes.js';
export { OutboxEventType, SqliteChatStore, createSqliteChatStore, sqliteChatStoreDefaults } from './storage/index.js';
export type {
  AppendResult,
  AppendStats,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  CappedList,
  ChatStore,
  ConversationQuery,
  DeletedMessage,
  DueDelivery,
  ErasureOutcome,
  KeyedPage,
  NewOutboxEvent,
  NewWebhookEndpoint,
  RetentionBatch,
  RetentionSwept,
  StoredWebhookEvent,
  UserExportData,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
  WebhookRecords,
  FileRecords,
  NewFileRecord,
  StoredFile,
  Membership,
  NewConversation,
  NewMessage,
  SqliteChatStoreOptions,
  StoreLogger,
} from './storage/index.js';
export type { DepartmentPatch, DirectoryPage, DirectoryPageQuery, DirectoryRecords, NewDepartment, NewTopic, TopicPatch } from './storage/index.js';
export type * from './storage/AlertRecords.js';
export type * from './storage/RequestRecords.js';
export type { DeskErasure, DeskExportData } from './storage/deskUserData.js';
export type { DeliveryOutcome } from './storage/WebhookRecords.js';
