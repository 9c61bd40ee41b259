import type { FileInfo, Message } from '@plaza/protocol';

/** A completed upload to record. The store adds `createdAt`. */
export interface NewFileRecord {
  /** `f_…`, the tus upload id. */
  id: string;
  conversationId: string;
  uploaderId: string;
  /** Sanitised display name. */
  name: string;
  size: number;
  /** Sniffed media type. */
  mimeType: string;
  /** Lowercase hex SHA-256 of the content. */
  sha256: string;
  /** Image dimensions, or `null` for other files. */
  width: number | null;
  height: number | null;
  /** Media type of the stored thumbnail, or `null` when there is none. */
  thumbnailMime: string | null;
  /** Key of the original in the file storage (the thumbnail is `<storageKey>.thumb`). */
  storageKey: string;
  /**
   * Whether the sync of the bytes may still be running: the row is then marked until
   * `confirmFileBytes`, and a start after a crash verifies marked files (`filesWithBytesPending`).
   * @default false
   */
  bytesPending?: boolean;
}

/** A file as the server knows it: what members see plus where its bytes are. */
export interface StoredFile extends FileInfo {
  /** Key of the original in the file storage. */
  storageKey: string;
  /** Media type of the thumbnail, or `null` when there is none. */
  thumbnailMime: string | null;
}

/** A deleted message and the files that no message references any more (their rows are gone). */
export interface DeletedMessage {
  message: Message;
  /** Files whose last referencing message this was: delete their bytes and thumbnails. */
  releasedFiles: StoredFile[];
}

/**
 * What the store keeps about files (part of `ChatStore`). Bytes are not here: they live in a
 * `FileStorage` under server-generated keys.
 */
export interface FileRecords {
  /**
   * Records a completed upload and its `file.uploaded` outbox event in one transaction.
   * Idempotent: the same id again returns the first record.
   */
  insertFile(file: NewFileRecord): Promise<StoredFile>;
  /** A file by id, or `null`. */
  getFile(fileId: string): Promise<StoredFile | null>;
  /** Total size of the files `userId` uploaded that are still stored, in bytes. */
  storedBytesOf(userId: string): Promise<number>;
  /** Every storage key the store references (originals only), for garbage collection of storage. */
  listStorageKeys(): Promise<string[]>;
  /**
   * Like `deleteMessage`, and in the same transaction removes the file rows no message references
   * any more (with a `file.deleted` outbox event each), returning them so their bytes can go.
   */
  deleteMessageReleasingFiles(conversationId: string, messageId: string): Promise<DeletedMessage>;
  /**
   * Deletes (with a `file.deleted` outbox event each) up to `limit` file rows created before
   * `createdBefore` (ISO time) that no message references: uploads never attached, or whose
   * message failed. Returns them so their bytes can go.
   */
  deleteUnattachedFiles(createdBefore: string, limit: number): Promise<StoredFile[]>;
  /**
   * Clears the `bytesPending` mark of these files (their bytes are synced). Not synced itself:
   * a mark a crash brings back only costs a verification at the next start.
   */
  confirmFileBytes(fileIds: readonly string[]): Promise<void>;
  /** The files still marked `bytesPending` (after a crash: recorded while their bytes were synced). */
  filesWithBytesPending(): Promise<StoredFile[]>;
  /**
   * Deletes a file whose bytes did not survive a crash: its row, the links of messages to it and
   * a `file.deleted` outbox event (reason `lost`). Returns it (its bytes can go), or `null`.
   */
  deleteLostFile(fileId: string): Promise<StoredFile | null>;
}
