import { ErrorCode } from '@plaza/protocol';
import type { FileInfo } from '@plaza/protocol';
import { PlazaError, toPlazaError } from '../errors.js';
import type { UploadHandleEvents, UploadProgress, UploadState } from '../events.js';
import { SafeEmitter } from '../internal/SafeEmitter.js';
import type { Logger } from '../logger.js';
import type { TusTransfer } from './TusTransfer.js';

/** The steps of one upload, supplied by the file manager. @internal */
export interface UploadPlan<T> {
  /** Idempotency key of the message (`sendFile`) or a random id (`uploadFile`). */
  id: string;
  /** The declared size, when known. */
  size: number | null;
  /** Checks before anything is sent and computes the checksum; resolves with the transfer to run. */
  prepare(): Promise<TusTransfer>;
  /**
   * After the last byte: sends the message, or fetches the file's info (`stored`: the info the
   * server sent with its last answer, when it did).
   */
  finish(fileId: string, stored: FileInfo | null): Promise<T>;
  /** Takes the message out of the outbox if it has not been sent yet; `false` when too late. */
  abortFinish(): boolean;
  /** Called on progress (the `onProgress` option). */
  onProgress: ((progress: UploadProgress) => void) | undefined;
  /** Where to log. */
  logger(): Logger;
}

const FINAL: readonly UploadState[] = ['done', 'failed', 'cancelled'];

/**
 * A running upload, returned at once by `conversation.sendFile()` and `conversation.uploadFile()`.
 * Await {@link UploadHandle.done} for the result: the stored `Message` with the file attached
 * (`sendFile`) or the stored file's `FileInfo` (`uploadFile`). It rejects with a `PlazaError`
 * (`PAYLOAD_TOO_LARGE`, `UNSUPPORTED_FILE_TYPE`, `QUOTA_EXCEEDED`, `CHECKSUM_MISMATCH`,
 * `UNAUTHENTICATED`, `UNAVAILABLE` once retries are exhausted, …).
 *
 * The upload survives lost connections and server restarts: failed requests are retried and the
 * upload continues from the offset the server has stored.
 *
 * @example
 * ```ts
 * const upload = conv.sendFile(file, { text: 'Photo of the broken light' });
 * upload.on('progress', ({ bytesSent, bytesTotal }) => bar.set(bytesSent / (bytesTotal ?? 1)));
 * cancelButton.onclick = () => upload.cancel();
 * const message = await upload.done;
 * ```
 */
export class UploadHandle<T> extends SafeEmitter<UploadHandleEvents> {
  /** For `sendFile`, the message's `clientId`; for `uploadFile`, a random id. */
  readonly id: string;
  /** Settles once with the result, or rejects with a {@link PlazaError}. */
  readonly done: Promise<T>;
  readonly #plan: UploadPlan<T>;
  #state: UploadState = 'preparing';
  #progress: UploadProgress;
  #transfer: TusTransfer | null = null;
  #fileId: string | null = null;
  #pauseRequested = false;
  #resolve: (value: T) => void = () => {};
  #reject: (error: PlazaError) => void = () => {};

  /** @internal Created by the file manager, which starts it at once. */
  constructor(plan: UploadPlan<T>) {
    super('upload', () => plan.logger());
    this.#plan = plan;
    this.id = plan.id;
    this.#progress = { bytesSent: 0, bytesTotal: plan.size };
    this.done = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // An app that never awaits `done` (for example after cancel()) must not crash on an unhandled rejection.
    this.done.catch(() => {});
    queueMicrotask(() => void this.#run());
  }

  /** Where the upload is. */
  get state(): UploadState {
    return this.#state;
  }

  /** Bytes sent so far and the total. */
  get progress(): UploadProgress {
    return this.#progress;
  }

  /** The stored file's id (`f_…`) once the server created the upload; `null` before. */
  get fileId(): string | null {
    return this.#fileId ?? this.#transfer?.fileId ?? null;
  }

  /** Stops sending bytes until {@link resume}. No effect once the bytes are all sent. */
  pause(): void {
    if (this.#state === 'preparing') this.#pauseRequested = true;
    if (this.#state !== 'uploading') return;
    this.#transfer?.pause();
    this.#setState('paused');
  }

  /** Continues a paused upload from where the server is. */
  resume(): void {
    this.#pauseRequested = false;
    if (this.#state !== 'paused') return;
    this.#setState('uploading');
    this.#transfer?.resume();
  }

  /**
   * Stops the upload, asks the server to delete the partial file, and rejects {@link done} with
   * `INVALID_REQUEST` ("cancelled"). Resolves `true` if cancelled, `false` when it was too late:
   * the upload finished, or its message is already on its way to the server.
   */
  async cancel(): Promise<boolean> {
    if (FINAL.includes(this.#state)) return false;
    const error = new PlazaError(ErrorCode.INVALID_REQUEST, 'the upload was cancelled by the app');
    if (this.#state === 'finishing') {
      if (!this.#plan.abortFinish()) return false;
      this.#settle('cancelled', error);
      return true;
    }
    this.#settle('cancelled', error);
    await this.#transfer?.abort(error);
    return true;
  }

  async #run(): Promise<void> {
    try {
      const transfer = await this.#plan.prepare();
      if (FINAL.includes(this.#state)) return;
      this.#transfer = transfer;
      this.#setState(this.#pauseRequested ? 'paused' : 'uploading');
      if (this.#pauseRequested) transfer.pause();
      const fileId = await transfer.run();
      if (FINAL.includes(this.#state)) return;
      this.#fileId = fileId;
      this.#setState('finishing');
      const result = await this.#plan.finish(fileId, transfer.storedFile);
      if (FINAL.includes(this.#state)) return;
      this.#state = 'done';
      this.#resolve(result);
      this.emit('stateChanged', 'done');
    } catch (raw) {
      if (FINAL.includes(this.#state)) return;
      const error = toPlazaError(raw);
      this.#plan.logger().warn('an upload failed', { uploadId: this.id, code: error.code });
      this.#settle('failed', error);
    }
  }

  /** @internal Reported by the transfer. */
  _onProgress(bytesSent: number, bytesTotal: number | null): void {
    const total = bytesTotal ?? this.#plan.size;
    if (bytesSent === this.#progress.bytesSent && total === this.#progress.bytesTotal) return;
    this.#progress = { bytesSent, bytesTotal: total };
    try {
      this.#plan.onProgress?.(this.#progress);
    } catch (error) {
      this.#plan.logger().warn('onProgress threw', { error });
    }
    this.emit('progress', this.#progress);
  }

  #settle(state: 'failed' | 'cancelled', error: PlazaError): void {
    this.#setState(state);
    this.#reject(error);
  }

  #setState(state: UploadState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('stateChanged', state);
  }
}
