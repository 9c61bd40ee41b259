export { SqliteChatStore, createSqliteChatStore, sqliteChatStoreDefaults } from './SqliteChatStore.js';
export type { SqliteChatStoreOptions } from './SqliteChatStore.js';
export type { AppendStats } from './MessageAppender.js';
export type { StoreLogger } from './StoreLogger.js';
export { OutboxEventType } from './outbox.js';
export type { NewOutboxEvent } from './outbox.js';
export type {
  DueDelivery,
  KeyedPage,
  NewWebhookEndpoint,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
  WebhookEndpointPatch,
  WebhookEndpointWithSecret,
  WebhookEvent as StoredWebhookEvent,
  WebhookRecords,
} from './WebhookRecords.js';
export type { CappedList, ErasureOutcome, UserExportData } from './userData.js';
export type { RetentionBatch, RetentionSwept } from './retentionQueries.js';
export type {
  AppendResult,
  AuditEntry,
  AuditQuery,
  AuditRecord,
  ChatStore,
  ConversationQuery,
  Membership,
  NewConversation,
  NewMessage,
} from './ChatStore.js';
export type { DeletedMessage, FileRecords, NewFileRecord, StoredFile } from './FileRecords.js';
export type { DepartmentPatch, DirectoryPage, DirectoryPageQuery, DirectoryRecords, NewDepartment, NewTopic, TopicPatch } from './DirectoryRecords.js';
export type * from './AlertRecords.js';
export type * from './RequestRecords.js';
export type { DeskErasure, DeskExportData } from './deskUserData.js';
export type { DeliveryOutcome } from './WebhookRecords.js';
