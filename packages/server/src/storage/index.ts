export { SqliteChatStore, createSqliteChatStore, sqliteChatStoreDefaults } from './SqliteChatStore.js';
export type { SqliteChatStoreOptions } from './SqliteChatStore.js';
export type { AppendStats } from './MessageAppender.js';
export type { StoreLogger } from './StoreLogger.js';
export { OutboxEventType } from './outbox.js';
export type {
  AppendResult,
  AuditEntry,
  AuditRecord,
  ChatStore,
  Membership,
  NewConversation,
  NewMessage,
} from './ChatStore.js';
export type { DeletedMessage, FileRecords, NewFileRecord, StoredFile } from './FileRecords.js';
