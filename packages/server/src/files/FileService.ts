import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { ErrorCode } from '@plaza/protocol';
import type { Upload } from '@tus/server';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { PlazaError } from '../errors.js';
import type { ChatStore } from '../storage/ChatStore.js';
import type { StoredFile } from '../storage/FileRecords.js';
import type { FileStorage } from './FileStorage.js';
import { refusal } from './httpErrors.js';
import { QuotaLedger } from './QuotaLedger.js';
import { safeFileName } from './safeFileName.js';
import { signFileUrl } from './signedUrl.js';
import type { FileVariant } from './signedUrl.js';
import { SNIFF_BYTES, THUMBNAILED_TYPES, isFileTypeAllowed, scanForMarkup, sniffContentType } from './sniff.js';
import { STRIPPED_TYPES, stripImageMetadata } from './stripImageMetadata.js';
import { TaskQueue } from './TaskQueue.js';
import { UploadStore } from './UploadStore.js';

/** Limits and policy of file sharing. */
export interface FilePolicy {
  /** Largest file, in bytes. */
  maxFileBytes: number;
  /** Bytes one user may have stored (files plus uploads in progress). */
  userQuotaBytes: number;
  /** Sniffed media types accepted (`type/*` patterns allowed). */
  allowedFileTypes: readonly string[];
  /** Lifetime of signed download URLs, in seconds. */
  signedUrlTtlSec: number;
  /**
   * Largest image, in pixels (width × height), the server decodes for a thumbnail; larger ones get
   * their dimensions only. GIFs (often animated, decoded whole) get a quarter of it.
   * @default 24,000,000 (a quarter of it for GIFs)
   */
  maxThumbnailPixels?: number;
  /** Upload requests (POST/PATCH) one user may have in progress at once; more are `429 RATE_LIMITED`. @default 8 */
  maxConcurrentUploadsPerUser?: number;
  /**
   * Remove EXIF (location), XMP, IPTC and text metadata from JPEG, PNG and WebP originals, losslessly
   * (see {@link stripImageMetadata}); the stored size and SHA-256 then describe the stripped file.
   * @default true
   */
  stripImageMetadata?: boolean;
  /**
   * Completed files that no message references (uploaded and never sent, or whose message failed)
   * are deleted this many hours after upload, freeing the quota. @default 24
   */
  unattachedFileTtlHours?: number;
}

/** Options of {@link FileService}. */
export interface FileServiceOptions {
  store: ChatStore;
  storage: FileStorage;
  /** Where tus keeps uploads in progress. */
  uploadsDirectory: string;
  policy: FilePolicy;
  /** Key that signs download URLs. */
  urlKey: Buffer;
  logger: Logger;
  /** Unfinished uploads are removed this long after they were created. @default 24 h */
  uploadExpiryMs?: number;
}

/** Upload-Metadata keys the server sets itself (overwriting whatever a client sent). */
export const UPLOADER_KEY = 'plazaUploader';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_MAX_PX = 320;

/** Default of {@link FilePolicy.maxThumbnailPixels}: 24 megapixels. */
export const DEFAULT_MAX_THUMBNAIL_PIXELS = 24_000_000;

/** Thumbnails made at once per server: decoding a large image takes a core and hundreds of MB. */
const THUMBNAIL_CONCURRENCY = 1;

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * File sharing apart from HTTP: the tus data store, quota reservations, completion (checksum,
 * sniffed type, image size and thumbnail, moving the bytes into storage, the `files` row),
 * signing download URLs, and deleting the bytes of files no message references any more.
 */
export class FileService {
  /** The tus data store. @internal */
  readonly uploads: UploadStore;
  /** Quota held by uploads in progress. @internal */
  readonly ledger = new QuotaLedger();
  readonly storage: FileStorage;
  readonly policy: FilePolicy;
  readonly #store: ChatStore;
  readonly #urlKey: Buffer;
  readonly #logger: Logger;
  readonly #finishing = new Map<string, Promise<StoredFile>>();
  readonly #thumbnails = new TaskQueue(THUMBNAIL_CONCURRENCY);
  /** The type sniffed from each upload's first bytes when they arrived (so completion need not read them again). */
  readonly #sniffed = new Map<string, string>();
  /** Files whose bytes were synced after their row was recorded, to be confirmed (see `#confirm`). */
  readonly #toConfirm: string[] = [];
  #confirming: Promise<void> = Promise.resolve();
  #sweep: NodeJS.Timeout | undefined;

  /** @param options - see {@link FileServiceOptions} */
  constructor(options: FileServiceOptions) {
    this.#store = options.store;
    this.storage = options.storage;
    this.policy = options.policy;
    this.#urlKey = options.urlKey;
    this.#logger = options.logger;
    this.uploads = new UploadStore({
      directory: options.uploadsDirectory,
      expirationPeriodInMilliseconds: options.uploadExpiryMs ?? DAY_MS,
      inspect: async (uploadId, head) => {
        const mimeType = await sniffContentType(head);
        if (!isFileTypeAllowed(mimeType, this.policy.allowedFileTypes)) {
          this.#logger.info({ uploadId, mimeType }, 'upload refused: file type not allowed');
          throw refusal(415, ErrorCode.UNSUPPORTED_FILE_TYPE, `files of type ${mimeType} are not accepted`);
        }
        this.#sniffed.set(uploadId, mimeType);
      },
      onRemoved: (uploadId) => {
        this.#sniffed.delete(uploadId);
        this.ledger.release(uploadId);
      },
    });
  }

  /**
   * Prepares for serving: re-reserves quota for unfinished uploads, finishes uploads whose last
   * bytes arrived just before a stop, deletes stored bytes no file row references (left by a crash
   * between moving and recording), and starts the hourly sweep of expired uploads.
   */
  async start(): Promise<void> {
    await mkdir(this.uploads.directory, { recursive: true, mode: 0o700 });
    // The tus store may have created it already with the default mode (0755 after umask): uploads
    // are as private as the database, owner only.
    await chmod(this.uploads.directory, 0o700);
    await this.#collectGarbage();
    await this.#recoverUnrecorded();
    await this.#verifyPendingFiles();
    const ids = (await this.uploads.configstore.list?.()) ?? [];
    for (const id of ids) {
      try {
        const upload = await this.uploads.getUpload(id);
        const uploader = upload.metadata?.[UPLOADER_KEY];
        if (!uploader) continue;
        if (upload.size !== undefined && upload.offset === upload.size) {
          await this.finish(upload);
        } else {
          this.ledger.reserve(id, uploader, upload.size ?? this.policy.maxFileBytes);
        }
      } catch (error) {
        this.#logger.warn({ err: error, uploadId: id }, 'could not resume an unfinished upload');
      }
    }
    await this.sweepUnattachedFiles();
    this.#sweep = setInterval(() => {
      this.uploads.deleteExpired().catch((error: unknown) => this.#logger.warn({ err: error }, 'sweeping expired uploads failed'));
      this.sweepUnattachedFiles().catch((error: unknown) => this.#logger.warn({ err: error }, 'sweeping unattached files failed'));
    }, SWEEP_INTERVAL_MS);
    this.#sweep.unref();
  }

  /**
   * Deletes completed files no message references that are older than `unattachedFileTtlHours`
   * (rows, bytes and thumbnails). Runs at start and hourly.
   *
   * @returns how many files were deleted
   */
  async sweepUnattachedFiles(nowMs = Date.now()): Promise<number> {
    const ttlMs = (this.policy.unattachedFileTtlHours ?? 24) * 60 * 60 * 1000;
    const before = new Date(nowMs - ttlMs).toISOString();
    let total = 0;
    for (;;) {
      const deleted = await this.#store.deleteUnattachedFiles(before, 500);
      await this.deleteBytes(deleted);
      total += deleted.length;
      if (deleted.length < 500) break;
    }
    if (total > 0) this.#logger.info({ count: total }, 'deleted files no message references');
    return total;
  }

  /** Stops the sweep, waits for completions in progress and stops the upload threads. */
  async close(): Promise<void> {
    if (this.#sweep) clearInterval(this.#sweep);
    await Promise.allSettled([...this.#finishing.values()]);
    await this.#flushConfirmations();
    await this.uploads.close();
  }

  /**
   * Checks a new upload's size against the limit and its uploader's quota (stored files plus
   * uploads in progress) and reserves the bytes. Throws `PAYLOAD_TOO_LARGE` or `QUOTA_EXCEEDED`.
   */
  async reserve(uploadId: string, userId: string, size: number): Promise<void> {
    const { maxFileBytes, userQuotaBytes } = this.policy;
    if (size > maxFileBytes) {
      throw new PlazaError(ErrorCode.PAYLOAD_TOO_LARGE, `files may have at most ${maxFileBytes} bytes`, { details: { limit: maxFileBytes } });
    }
    await this.ledger.exclusive(userId, async () => {
      const used = (await this.#store.storedBytesOf(userId)) + this.ledger.reservedBy(userId);
      if (used + size > userQuotaBytes) {
        throw new PlazaError(
          ErrorCode.QUOTA_EXCEEDED,
          `storing ${size} more bytes would exceed your quota of ${userQuotaBytes} bytes (${used} in use)`,
          { details: { limit: userQuotaBytes } },
        );
      }
      this.ledger.reserve(uploadId, userId, size);
    });
  }

  /**
   * Completes an upload whose bytes all arrived: checks type and checksum (removing the upload
   * when either fails), measures images and stores a thumbnail, moves the bytes into file storage
   * and records the file. Idempotent and safe to call concurrently for one upload.
   */
  finish(upload: Upload): Promise<StoredFile> {
    let running = this.#finishing.get(upload.id);
    if (!running) {
      running = this.#finish(upload).finally(() => this.#finishing.delete(upload.id));
      this.#finishing.set(upload.id, running);
    }
    return running;
  }

  async #finish(upload: Upload): Promise<StoredFile> {
    // An upload whose head this process sniffed has no row yet; others (after a restart) may have one.
    if (!this.#sniffed.has(upload.id)) {
      const existing = await this.#store.getFile(upload.id);
      if (existing) {
        // Recorded before a crash that undid the move of its bytes: move them again.
        if (existing.storageKey === upload.id && !(await this.storage.stat(existing.storageKey))) {
          await this.storage.adopt(existing.storageKey, this.uploads.pathOf(upload.id));
        }
        await this.#discardRecord(upload.id, upload.size ?? existing.size);
        return existing;
      }
    }
    const id = upload.id;
    const meta = upload.metadata ?? {};
    const uploaderId = meta[UPLOADER_KEY];
    const conversationId = meta.conversationId;
    const size = upload.size;
    if (!uploaderId || !conversationId || size === undefined || upload.offset !== size) {
      throw refusal(409, ErrorCode.CONFLICT, `upload ${id} is not complete`);
    }
    // The head was sniffed as it arrived; after a restart it is read again.
    const mimeType = this.#sniffed.get(id) ?? (await sniffContentType(await this.uploads.head(id, SNIFF_BYTES)));
    if (!isFileTypeAllowed(mimeType, this.policy.allowedFileTypes)) {
      await this.uploads.remove(id);
      throw refusal(415, ErrorCode.UNSUPPORTED_FILE_TYPE, `files of type ${mimeType} are not accepted`);
    }
    // Only the first bytes were sniffed: text must hold no markup anywhere (an HTML page padded past the window).
    if (mimeType === 'text/plain' && (await scanForMarkup(createReadStream(this.uploads.pathOf(id), { highWaterMark: 1024 * 1024 })))) {
      await this.uploads.remove(id);
      throw refusal(415, ErrorCode.UNSUPPORTED_FILE_TYPE, 'files of type text/html are not accepted (markup found in the text)');
    }
    const sha256 = await this.uploads.sha256(id, size);
    const declared = meta.sha256?.trim().toLowerCase();
    if (declared && declared !== sha256) {
      await this.uploads.remove(id);
      throw refusal(460, ErrorCode.CHECKSUM_MISMATCH, 'the uploaded bytes do not match the declared sha256; the upload was discarded');
    }
    const uploaded = this.uploads.pathOf(id);
    // The declared sha256 was checked against the bytes as uploaded; the file row describes what is stored.
    const stripped = await this.#strip(id, uploaded, mimeType);
    const path = stripped ? stripped.path : uploaded;
    const storedSize = stripped ? stripped.size : size;
    const storedSha256 = stripped ? stripped.sha256 : sha256;
    const image = THUMBNAILED_TYPES.includes(mimeType) ? await this.#measure(id, path) : null;
    if (image?.thumbnail) await this.storage.put(`${id}.thumb`, image.thumbnail);
    // The sync of the bytes began when the last one came (in this process). The row is recorded
    // meanwhile, marked pending until the sync is done, and the answer waits for both: a crash in
    // between leaves a marked row, and the next start verifies its bytes (`#verifyPendingFiles`).
    // Bytes synced otherwise (stripped, or moved by adopt after a restart) are on disk already.
    const overlap = !stripped && this.uploads.isSynced(id);
    // Not stripped: the bytes stay at the upload's path until moved, where the start looks for them.
    await this.storage.adopt(id, path, { synced: overlap, recoverable: !stripped });
    if (stripped) await unlink(uploaded).catch(() => undefined);
    let stored: StoredFile;
    try {
      // Not under the uploader's quota lock: the bytes count as reserved until the row exists and
      // as stored from then on, so a quota check meanwhile counts them twice (errs towards refusing)
      // and never misses them; holding the lock would make the user's uploads wait for each
      // other's commit sync instead of sharing one.
      const inserting = this.#store.insertFile({
        id,
        conversationId,
        uploaderId,
        name: safeFileName(meta.filename ?? '', mimeType),
        size: storedSize,
        mimeType,
        sha256: storedSha256,
        width: image?.width ?? null,
        height: image?.height ?? null,
        thumbnailMime: image?.thumbnail ? 'image/webp' : null,
        storageKey: id,
        bytesPending: overlap,
      });
      const [inserted, synced] = await Promise.allSettled([inserting, overlap ? this.uploads.whenSynced(id) : undefined]);
      if (inserted.status === 'rejected') throw inserted.reason;
      if (synced.status === 'rejected') {
        // Recorded, but the bytes did not reach the disk: take the row back (nobody was told of it).
        await this.#store.deleteLostFile(id).catch((error: unknown) => this.#logger.error({ err: error, fileId: id }, 'could not delete a file whose bytes failed to sync'));
        throw synced.reason;
      }
      stored = inserted.value;
      this.ledger.release(id);
    } catch (error) {
      await this.deleteBytes([{ storageKey: id, thumbnailMime: image?.thumbnail ? 'image/webp' : null }]);
      await this.#discardRecord(id, null);
      throw error;
    }
    if (overlap) this.#confirm(id);
    await this.#discardRecord(id, size);
    this.#logger.info({ fileId: id, conversationId, size, mimeType }, 'file stored');
    return stored;
  }

  /** Clears the pending mark of a file whose bytes are synced (gathered: one write for the files confirmed together). */
  #confirm(fileId: string): void {
    this.#toConfirm.push(fileId);
    if (this.#toConfirm.length === 1) setImmediate(() => void this.#flushConfirmations());
  }

  #flushConfirmations(): Promise<void> {
    const ids = this.#toConfirm.splice(0);
    if (ids.length === 0) return this.#confirming;
    const previous = this.#confirming;
    this.#confirming = previous
      .then(() => this.#store.confirmFileBytes(ids))
      .catch((error: unknown) => this.#logger.warn({ err: error, count: ids.length }, 'could not clear the pending mark of synced files (verified at the next start)'));
    return this.#confirming;
  }

  /**
   * Verifies, after a crash, the files recorded while the sync of their bytes still ran (marked
   * pending): a file whose stored bytes still have its SHA-256 is kept, any other is deleted
   * (row, links of messages to it, bytes; a `file.deleted` event with reason `lost`). Its uploader
   * was never told it was stored: the answer waited for the sync.
   */
  async #verifyPendingFiles(): Promise<void> {
    for (const file of await this.#store.filesWithBytesPending()) {
      const digest = await this.#hashStored(file.storageKey).catch(() => null);
      if (digest === file.sha256) {
        await this.#store.confirmFileBytes([file.fileId]);
        continue;
      }
      this.#logger.warn({ fileId: file.fileId }, 'deleting a file recorded just before a crash whose bytes did not survive it');
      const lost = await this.#store.deleteLostFile(file.fileId);
      if (lost) await this.deleteBytes([lost]);
    }
  }

  /** SHA-256 (lowercase hex) of stored bytes; rejects when they are missing. */
  async #hashStored(key: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of await this.storage.get(key)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  /** Removes an upload's tus record once its bytes moved into storage (`storedSize` `null`: they did not make it). */
  async #discardRecord(uploadId: string, storedSize: number | null): Promise<void> {
    this.uploads.forget(uploadId, storedSize);
    this.#sniffed.delete(uploadId);
    this.ledger.release(uploadId);
    await this.uploads.dropRecord(uploadId);
  }

  /** A copy of an uploaded JPEG/PNG/WebP without personal metadata, or `null` (nothing to strip, or stripping is off or failed). */
  async #strip(id: string, path: string, mimeType: string): Promise<{ path: string; size: number; sha256: string } | null> {
    if (this.policy.stripImageMetadata === false || !STRIPPED_TYPES.includes(mimeType)) return null;
    const output = `${path}.stripped`;
    try {
      const { orientation } = mimeType === 'image/jpeg' ? await sharp(path).metadata() : { orientation: undefined };
      const result = await stripImageMetadata(path, output, mimeType, orientation);
      return result ? { path: output, ...result } : null;
    } catch (error) {
      this.#logger.warn({ err: error, fileId: id }, 'could not strip image metadata; storing the file as uploaded');
      return null;
    }
  }

  async #measure(id: string, path: string): Promise<{ width: number; height: number; thumbnail: Buffer | null } | null> {
    try {
      const meta = await sharp(path).metadata();
      const width = meta.autoOrient?.width ?? meta.width;
      const height = meta.autoOrient?.height ?? meta.height;
      if (!width || !height) return null;
      // The header tells the size before anything is decoded: too large an image gets no thumbnail.
      const limit = Math.floor((this.policy.maxThumbnailPixels ?? DEFAULT_MAX_THUMBNAIL_PIXELS) / (meta.format === 'gif' ? 4 : 1));
      if (width * height > limit) {
        this.#logger.info({ fileId: id, width, height, limit }, 'image too large for a thumbnail');
        return { width, height, thumbnail: null };
      }
      let thumbnail: Buffer | null = null;
      try {
        // sharp drops EXIF, ICC and XMP unless asked to keep them; only the first frame is read.
        thumbnail = await this.#thumbnails.run(() =>
          sharp(path, { limitInputPixels: limit, sequentialRead: true, pages: 1 })
            .rotate()
            .resize({ width: THUMBNAIL_MAX_PX, height: THUMBNAIL_MAX_PX, fit: 'inside', withoutEnlargement: true })
            .webp({ quality: 78 })
            .toBuffer(),
        );
      } catch (error) {
        this.#logger.warn({ err: error, fileId: id }, 'could not make a thumbnail');
      }
      return { width, height, thumbnail };
    } catch (error) {
      this.#logger.warn({ err: error, fileId: id }, 'could not read image dimensions');
      return null;
    }
  }

  /** A signed download URL for a file, valid for `signedUrlTtlSec`. */
  signUrl(file: StoredFile, variant: FileVariant, userId: string, nowMs = Date.now()): { url: string; expiresAt: string } {
    if (variant === 'thumbnail' && file.thumbnailMime === null) {
      throw new PlazaError(ErrorCode.FILE_NOT_FOUND, `file ${file.fileId} has no thumbnail`);
    }
    const exp = Math.floor(nowMs / 1000) + this.policy.signedUrlTtlSec;
    return { url: signFileUrl(this.#urlKey, { fileId: file.fileId, variant, exp, uid: userId }), expiresAt: new Date(exp * 1000).toISOString() };
  }

  /** Deletes the bytes (and thumbnails) of files whose rows are gone. Failures are logged, not thrown. */
  async deleteBytes(files: readonly Pick<StoredFile, 'storageKey' | 'thumbnailMime'>[]): Promise<void> {
    for (const file of files) {
      for (const key of file.thumbnailMime ? [file.storageKey, `${file.storageKey}.thumb`] : [file.storageKey]) {
        await this.storage.delete(key).catch((error: unknown) => this.#logger.warn({ err: error, key }, 'could not delete stored bytes'));
      }
    }
  }

  /**
   * Upload bytes without a record: a creation with upload cut short by a crash (removed: its
   * client never learned where it lives and starts again), or a stored file whose move out of the
   * uploads directory did not survive the crash (moved again).
   */
  async #recoverUnrecorded(): Promise<void> {
    for (const id of await this.uploads.unrecordedIds()) {
      const path = this.uploads.pathOf(id);
      const row = await this.#store.getFile(id);
      if (row && row.storageKey === id && !(await this.storage.stat(id))) {
        this.#logger.warn({ fileId: id }, 'moving a stored file into file storage again after a crash');
        await this.storage.adopt(id, path);
      } else {
        this.#logger.info({ uploadId: id }, 'removing the bytes of an upload interrupted by a crash before it was created');
        await unlink(path).catch(() => undefined);
      }
    }
  }

  async #collectGarbage(): Promise<void> {
    const referenced = new Set(await this.#store.listStorageKeys());
    for (const key of await this.storage.list()) {
      const base = key.endsWith('.thumb') ? key.slice(0, -'.thumb'.length) : key;
      if (!referenced.has(base)) {
        this.#logger.info({ key }, 'deleting stored bytes no file references');
        await this.storage.delete(key);
      }
    }
  }
}
