import type { FileInfo } from '@plaza/protocol';
import { defaultOptions, Upload } from 'tus-js-client';
import type { DetailedError, HttpRequest, HttpResponse, HttpStack, PreviousUpload, UploadOptions, UrlStorage } from 'tus-js-client';
import { PlazaError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeBase64Url } from './base64url.js';
import { isRetryableStatus, toUploadError } from './httpErrors.js';
import type { UploadSource } from './input.js';
import { SingleRequestUpload } from './SingleRequestUpload.js';
import type { SingleRequestResult } from './SingleRequestUpload.js';
import { TusFileReader, UploadSourceError } from './TusFileReader.js';

/** The response header carrying the stored file's id on the request that completed an upload. */
export const FILE_ID_HEADER = 'Plaza-File-Id';

/** The response header carrying the stored file's `FileInfo` (base64url JSON) next to {@link FILE_ID_HEADER}. */
export const FILE_INFO_HEADER = 'Plaza-File-Info';

/** The access token uploads send, shared by every upload of one client. @internal */
export interface UploadAuth {
  /** The token to send now, or `null` when there is none yet. */
  current(): string | null;
  /**
   * Asks the token provider for a new token after `stale` was refused. Resolves `true` when a
   * different token is now current (the request is worth repeating).
   */
  refresh(stale: string | null): Promise<boolean>;
}

/** What one transfer needs. @internal */
export interface TusTransferOptions {
  /** Absolute URL of the tus creation endpoint. */
  endpoint: string;
  /** The input. */
  source: UploadSource;
  /** `Upload-Metadata` (`conversationId`, `filename`, `filetype`, `sha256`). */
  metadata: Record<string, string>;
  /** Identifies the same content to resume an earlier, unfinished upload of it; `null` for streams. */
  fingerprint: string | null;
  /** Where unfinished uploads are remembered; `undefined` keeps tus-js-client's default. */
  urlStorage: UrlStorage | undefined;
  /** Bytes per PATCH request. */
  chunkSize: number;
  /** Waits before each retry of a failed request, in ms. */
  retryDelays: number[];
  /** Whether the HTTP stack sends `Blob` bodies (browsers). */
  blobBodies: boolean;
  /** Authorization. */
  auth: UploadAuth;
  /** Progress of the bytes sent. */
  onProgress(bytesSent: number, bytesTotal: number | null): void;
  /** Where to log. */
  logger(): Logger;
  /** The HTTP stack; `undefined` keeps tus-js-client's default. */
  httpStack?: HttpStack;
  /**
   * Send bytes in memory that fit in one chunk by one creation request without tus-js-client's
   * `Upload` (see {@link SingleRequestUpload}); tus-js-client still handles retries, pauses and
   * everything else. Node only: browsers keep tus-js-client's path unchanged.
   */
  singleRequest?: boolean;
}

/** Thrown from `onAfterResponse` to make tus-js-client repeat a request with a renewed token. */
class TokenRenewed extends Error {
  constructor() {
    super('the access token was renewed');
    this.name = 'TokenRenewed';
  }
}

/** How many token renewals in a row (without a successful response between them) are tried. */
const MAX_RENEWALS = 2;

/**
 * One resumable upload over tus-js-client: creates it on the server (or resumes an unfinished
 * one with the same fingerprint), sends it chunk by chunk, retries failed requests with a fresh
 * token where needed and resumes from the server's offset after a lost connection or a server
 * restart. Resolves with the stored file's id.
 *
 * With {@link TusTransferOptions.singleRequest}, bytes in memory that fit in one chunk are first
 * sent by a {@link SingleRequestUpload} (the same `POST` tus-js-client would send, for less CPU);
 * when that attempt fails, tus-js-client takes over as it would have retried its own first
 * attempt, and it also handles a pause and resume.
 *
 * @internal
 */
export class TusTransfer {
  readonly #o: TusTransferOptions;
  /** Built when first needed: the single-request path does without it. */
  #upload: Upload | null = null;
  /** The single-request attempt while it runs. */
  #single: SingleRequestUpload | null = null;
  /** Waits before tus-js-client's attempts; the first is spent by a failed single request. */
  #retryDelays: number[];
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The upload URL the single request got. */
  #url: string | null = null;
  #fileIdHeader: string | null = null;
  #stored: FileInfo | null = null;
  #renewals = 0;
  #started = false;
  #paused = false;
  #finished = false;
  #result: Promise<string> | null = null;
  #resolve: (fileId: string) => void = () => {};
  #reject: (error: PlazaError) => void = () => {};

  /** @param options - see {@link TusTransferOptions} */
  constructor(options: TusTransferOptions) {
    this.#o = options;
    this.#retryDelays = options.retryDelays;
  }

  /** The file id (`f_…`, the tus upload id) once the server created the upload; `null` before. */
  get fileId(): string | null {
    return this.#fileIdHeader ?? idFromUrl(this.#upload?.url ?? this.#url);
  }

  /**
   * The stored file as the server described it in the answer to the last request, or `null`
   * (older servers; an upload that completed while the client was away).
   */
  get storedFile(): FileInfo | null {
    const id = this.fileId;
    return this.#stored && this.#stored.fileId === id ? this.#stored : null;
  }

  /** Starts (once) and resolves with the file id when the last byte is stored. */
  run(): Promise<string> {
    this.#result ??= new Promise<string>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      this.#begin().catch((error: unknown) => this.#fail(toUploadError(error)));
    });
    return this.#result;
  }

  /** Stops sending; {@link resume} continues from the server's offset. */
  pause(): void {
    if (this.#finished) return;
    this.#paused = true;
    if (!this.#started) return;
    this.#stopSingle();
    if (this.#upload) void this.#upload.abort(false);
  }

  /** Continues after {@link pause}. */
  resume(): void {
    if (this.#finished || !this.#paused) return;
    this.#paused = false;
    if (this.#started) this.#tus().start();
  }

  /** Stops for good and asks the server to delete what it stored (in the background). */
  async abort(error: PlazaError): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopSingle();
    if (this.#upload) await this.#upload.abort(false);
    this.#reject(error);
    const url = this.#upload?.url;
    if (url) {
      Upload.terminate(url, { ...this.#tus().options, retryDelays: [0, 1000, 3000] }).catch((err: unknown) => {
        this.#o.logger().info('could not delete a cancelled upload on the server', { error: toUploadError(err).message });
      });
    }
  }

  async #begin(): Promise<void> {
    const previous = await this.#previousUpload();
    if (previous) {
      this.#o.logger().debug('resuming an earlier upload of the same file', { uploadUrl: previous.uploadUrl });
      this.#tus().resumeFromPreviousUpload(previous);
    }
    if (this.#finished) return;
    this.#started = true;
    if (this.#paused) return;
    const { source } = this.#o;
    if (!previous && this.#o.singleRequest && source.kind === 'bytes' && source.size <= this.#o.chunkSize) void this.#sendSingle(source.bytes);
    else this.#tus().start();
  }

  /** The latest unfinished upload of the same content, to resume; `undefined` when none. */
  async #previousUpload(): Promise<PreviousUpload | undefined> {
    const { fingerprint, urlStorage } = this.#o;
    if (fingerprint === null) return undefined;
    // The look-up tus-js-client's findPreviousUploads() makes, without building its Upload.
    const found = urlStorage ? urlStorage.findUploadsByFingerprint(fingerprint) : this.#tus().findPreviousUploads();
    const previous = await found.catch(() => []);
    return previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime))[0];
  }

  /** Sends all of `bytes` in one creation request; tus-js-client takes over when that fails. */
  async #sendSingle(bytes: Uint8Array): Promise<void> {
    const o = this.#o;
    const single = new SingleRequestUpload({
      endpoint: o.endpoint,
      bytes,
      metadata: o.metadata,
      httpStack: o.httpStack ?? defaultOptions.httpStack,
      beforeRequest: (req) => this.#beforeRequest(req),
      afterResponse: (req, res) => this.#afterResponse(req, res),
      onProgress: (sent, total) => o.onProgress(sent, total),
    });
    this.#single = single;
    let result: SingleRequestResult;
    try {
      result = await single.run();
    } catch (raw) {
      if (this.#single === single) this.#single = null;
      // An aborted request's error does not count, as in tus-js-client.
      if (this.#finished || single.aborted) return;
      const error = raw as DetailedError;
      const [delay, ...rest] = this.#retryDelays;
      if (delay === undefined || !this.#shouldRetry(error)) {
        this.#fail(toUploadError(error));
        return;
      }
      // tus-js-client's own first attempt failed: it would wait the first delay and try again.
      this.#retryDelays = rest;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        if (!this.#finished && !this.#paused) this.#tus().start();
      }, delay);
      return;
    }
    if (this.#single === single) this.#single = null;
    if (this.#finished) return;
    // An answer that arrived although the request was aborted still counts, as in tus-js-client.
    this.#url = result.url;
    if (result.offset === bytes.byteLength) {
      this.#succeed();
      return;
    }
    // The server kept part of the bytes: tus-js-client continues from its offset.
    this.#tus().url = result.url;
    if (!this.#paused) this.#tus().start();
  }

  /** Aborts the single request and any wait before tus-js-client's retry. */
  #stopSingle(): void {
    this.#single?.abort();
    this.#single = null;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** tus-js-client's upload, built on first use. */
  #tus(): Upload {
    if (this.#upload) return this.#upload;
    const options = this.#o;
    const { source } = options;
    const tusOptions: UploadOptions = {
      endpoint: options.endpoint,
      metadata: options.metadata,
      chunkSize: options.chunkSize,
      // creation-with-upload: the first chunk travels with the POST, so a file up to one chunk
      // long takes a single request (ignored for streams of unknown length).
      uploadDataDuringCreation: true,
      retryDelays: this.#retryDelays,
      removeFingerprintOnSuccess: true,
      storeFingerprintForResuming: options.fingerprint !== null,
      fingerprint: () => Promise.resolve(options.fingerprint as string),
      // Its FileSource type says `size: number`; streams of unknown length have `null`, which it handles.
      fileReader: new TusFileReader(options.blobBodies) as unknown as NonNullable<UploadOptions['fileReader']>,
      ...(options.urlStorage ? { urlStorage: options.urlStorage } : {}),
      ...(options.httpStack ? { httpStack: options.httpStack } : {}),
      ...(source.kind === 'stream' ? (source.size === null ? { uploadLengthDeferred: true } : { uploadSize: source.size }) : {}),
      onBeforeRequest: (req) => this.#beforeRequest(req),
      onAfterResponse: (req, res) => this.#afterResponse(req, res),
      onShouldRetry: (err) => this.#shouldRetry(err),
      onProgress: (sent, total) => options.onProgress(sent, Number.isFinite(total) ? total : null),
      onSuccess: () => this.#succeed(),
      onError: (err) => this.#fail(toUploadError(err)),
    };
    // tus-js-client's types list its own input kinds; its fileReader option accepts anything.
    this.#upload = new Upload(source as unknown as Blob, tusOptions);
    return this.#upload;
  }

  #beforeRequest(req: HttpRequest): void {
    const token = this.#o.auth.current();
    if (token) req.setHeader('Authorization', `Bearer ${token}`);
  }

  async #afterResponse(req: HttpRequest, res: HttpResponse): Promise<void> {
    const status = res.getStatus();
    const fileId = res.getHeader(FILE_ID_HEADER);
    if (fileId) {
      this.#fileIdHeader = fileId;
      this.#stored = decodeFileInfo(res.getHeader(FILE_INFO_HEADER));
    }
    if (status >= 200 && status < 300) {
      this.#renewals = 0;
      return;
    }
    if (status === 401 && this.#renewals < MAX_RENEWALS) {
      this.#renewals += 1;
      const sent = req.getHeader('Authorization');
      const stale = sent?.startsWith('Bearer ') ? sent.slice(7) : null;
      if (await this.#o.auth.refresh(stale)) throw new TokenRenewed();
    }
  }

  #shouldRetry(err: DetailedError): boolean {
    if (this.#finished) return false;
    const cause = err.causingError;
    if (cause instanceof TokenRenewed) return true;
    if (cause instanceof UploadSourceError) return false;
    if (cause instanceof PlazaError) return cause.retryable;
    const status = err.originalResponse?.getStatus() ?? 0;
    const retry = status === 0 || isRetryableStatus(status);
    this.#o.logger().info(retry ? 'retrying an upload request' : 'upload request failed', { status, message: err.message });
    return retry;
  }

  #succeed(): void {
    if (this.#finished) return;
    const fileId = this.fileId;
    this.#finished = true;
    if (fileId) this.#resolve(fileId);
    else this.#reject(toUploadError(new Error('the server did not say which file was stored')));
  }

  #fail(error: PlazaError): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#reject(error);
  }
}

/** One decoder for every answer (a `TextDecoder` is stateless when used without `stream`). */
const utf8 = new TextDecoder();

/** A `FileInfo` from its header value (base64url JSON); `null` when missing or not one. @internal */
export function decodeFileInfo(value: string | undefined): FileInfo | null {
  if (!value) return null;
  const bytes = decodeBase64Url(value);
  if (!bytes) return null;
  try {
    const info = JSON.parse(utf8.decode(bytes)) as Partial<FileInfo> | null;
    const strings = [info?.fileId, info?.name, info?.mimeType, info?.sha256, info?.conversationId, info?.uploaderId, info?.createdAt];
    if (!info || strings.some((v) => typeof v !== 'string') || typeof info.size !== 'number' || info.image === undefined) return null;
    return info as FileInfo;
  } catch {
    return null;
  }
}

/** The last path segment of an upload URL (the tus upload id, which is the file id). */
export function idFromUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    const segment = new URL(url).pathname.split('/').filter((s) => s.length > 0).pop();
    return segment ? decodeURIComponent(segment) : null;
  } catch {
    return null;
  }
}
