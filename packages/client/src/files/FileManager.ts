import { ErrorCode } from '@plaza/protocol';
import type { FileInfo, Message, RequestName, RequestOf, ResponseOf, SessionInfo } from '@plaza/protocol';
import { defaultOptions } from 'tus-js-client';
import type { HttpStack, UrlStorage } from 'tus-js-client';
import { InvalidStateError, PlazaError, toPlazaError } from '../errors.js';
import type { UploadProgress } from '../events.js';
import { newClientId } from '../internal/clientId.js';
import { assertBoolean, assertId, assertObject, assertText } from '../internal/validate.js';
import type { Logger } from '../logger.js';
import type { OutgoingMessage } from '../Outbox.js';
import { readAll, toUploadSource } from './input.js';
import type { UploadInput, UploadSource } from './input.js';
import { MemoryUrlStorage } from './MemoryUrlStorage.js';
import { NodeUploadHttpStack } from './NodeUploadHttpStack.js';
import { basePathHttpStack, resolveServerPath } from './serverPath.js';
import { sha256Of } from './sha256.js';
import { TusTransfer } from './TusTransfer.js';
import type { UploadAuth } from './TusTransfer.js';
import { UploadHandle } from './UploadHandle.js';

/** Options of `conversation.uploadFile()`. */
export interface UploadFileOptions {
  /** File name shown to others. @defaultValue `File.name`, the file name of an `fs.ReadStream`, or `file` */
  name?: string;
  /** Media type hint; the server decides the type by looking at the content. @defaultValue `Blob.type` */
  type?: string;
  /**
   * Size in bytes of a stream input: the stream is then sent as it is read, and a file larger than
   * the server accepts is refused before any byte is read. Without it the stream is first read
   * into memory (failing with `PAYLOAD_TOO_LARGE` once it passes the server's `maxFileBytes`).
   * Ignored for other inputs, whose size is known.
   */
  size?: number;
  /** Called as bytes are sent (at most about ten times a second). */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Compute the SHA-256 of the content on the client and have the server verify it
   * (`CHECKSUM_MISMATCH` if the bytes changed on the way). Done only where it is cheap: for
   * inputs in memory (`Blob`, bytes) when WebCrypto is available; streams are not hashed.
   * @defaultValue true
   */
  sha256?: boolean;
}

/** Options of `conversation.sendFile()`. */
export interface SendFileOptions extends UploadFileOptions {
  /** Text of the message the file is attached to. @defaultValue `''` */
  text?: string;
  /** Idempotency key of the message; generated when left out. */
  clientId?: string;
}

/** Which rendition of a file a signed URL points to. */
export type FileVariant = 'original' | 'thumbnail';

/** Tuning of uploads, from the client's options. @internal */
export interface UploadTuning {
  /** Bytes per PATCH request. */
  chunkBytes: number;
  /** Waits between retries of a failed upload request, in ms. */
  retryDelaysMs: number[];
}

/** What the file manager needs from the client (injected). @internal */
export interface FileManagerContext {
  /** The server address. */
  baseUrl: string;
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** What `session:hello` said, once connected. */
  session(): SessionInfo | null;
  /** The token of the current connection. */
  currentToken(): string | null;
  /** A new token from the token provider; `null` when the token is a fixed string. */
  fetchToken(): Promise<string | null>;
  /** Queues a message in the outbox. */
  enqueue(message: OutgoingMessage): Promise<Message>;
  /** Takes a queued message out of the outbox unless it is on the wire. */
  cancelQueued(clientId: string): boolean;
  /** Resolves when the client is connected (at once if it is). */
  whenConnected(): Promise<void>;
  /** Upload tuning. */
  tuning: UploadTuning;
  /** Where to log. */
  logger(): Logger;
}

/** The upload path when the server does not announce one. */
const DEFAULT_UPLOAD_PATH = '/files/uploads/';

/**
 * Files shared in conversations (`plaza.files`): fresh signed download URLs and file facts.
 * Uploads start from a conversation: `conversation.sendFile()` / `conversation.uploadFile()`.
 *
 * @example
 * ```ts
 * const [a] = message.attachments;
 * if (a) img.src = await plaza.files.url(a.fileId, a.image?.hasThumbnail ? 'thumbnail' : 'original');
 * ```
 */
export class FileManager {
  readonly #ctx: FileManagerContext;
  readonly #auth: UploadAuth;
  readonly #nodeStack: boolean;
  readonly #urlStorage: UrlStorage | undefined;
  readonly #httpStack: HttpStack;
  #endpoint: { path: string; url: string } | null = null;

  /** @internal Created by `PlazaClient`. */
  constructor(ctx: FileManagerContext) {
    this.#ctx = ctx;
    this.#auth = sharedAuth(ctx);
    // The package resolves to tus-js-client's Node build under Node and its browser build in
    // bundles for browsers; the HTTP stack tells which one is running.
    this.#nodeStack = defaultOptions.httpStack.getName() === 'NodeHttpStack';
    // Node's build remembers nothing by default; browsers keep the localStorage store.
    this.#urlStorage = this.#nodeStack ? new MemoryUrlStorage() : undefined;
    // Behind a reverse proxy under a path, the server's `Location: /files/uploads/…` must stay under it.
    // Node: bodies in large writes rather than tus-js-client's 16 KiB ones (CPU on both ends).
    const stack = (this.#nodeStack ? NodeUploadHttpStack.create() : null) ?? defaultOptions.httpStack;
    this.#httpStack = basePathHttpStack(stack, ctx.baseUrl);
  }

  /**
   * A fresh signed URL to download a file (absolute, valid for the server's `signedUrlTtlSec`,
   * 5 minutes by default). Ask again when it expired.
   *
   * @param fileId - the file's id (`attachment.fileId`)
   * @param variant - `thumbnail` for images that have one (`attachment.image?.hasThumbnail`) @defaultValue `'original'`
   * @throws TypeError when an argument is invalid
   */
  async url(fileId: string, variant: FileVariant = 'original'): Promise<string> {
    assertId('fileId', fileId);
    if (variant !== 'original' && variant !== 'thumbnail') throw new TypeError("variant must be 'original' or 'thumbnail'");
    const signed = await this.#ctx.request('file:url', { fileId, ...(variant === 'thumbnail' ? { variant } : {}) });
    return resolveServerPath(this.#ctx.baseUrl, signed.url);
  }

  /**
   * Facts about a stored file: name, size, media type, checksum, image size, conversation,
   * uploader. Rejects with `FILE_NOT_FOUND` when it does not exist or is in a conversation the
   * user does not belong to.
   *
   * @throws TypeError when `fileId` is invalid
   */
  get(fileId: string): Promise<FileInfo> {
    assertId('fileId', fileId);
    return this.#ctx.request('file:get', { fileId });
  }

  /** @internal Backs `conversation.sendFile()`. */
  _sendFile(conversationId: string, input: UploadInput, options: SendFileOptions = {}): UploadHandle<Message> {
    assertObject('options', options, true);
    const { text = '', clientId } = options ?? {};
    assertText('options.text', text, { allowEmpty: true });
    if (clientId !== undefined) assertId('options.clientId', clientId);
    const id = clientId ?? newClientId();
    return this.#start(conversationId, id, input, options ?? {}, {
      finish: (fileId) =>
        this.#ctx.enqueue({ conversationId, clientId: id, text, replyTo: null, mentions: [], attachments: [fileId] }),
      abortFinish: () => this.#ctx.cancelQueued(id),
    });
  }

  /** @internal Backs `conversation.uploadFile()`. */
  _uploadFile(conversationId: string, input: UploadInput, options: UploadFileOptions = {}): UploadHandle<FileInfo> {
    assertObject('options', options, true);
    return this.#start(conversationId, newClientId(), input, options ?? {}, {
      // The server describes the stored file in its last answer; ask only when it did not.
      finish: (fileId, stored) => (stored ? Promise.resolve(stored) : this.#getWhenConnected(fileId)),
      abortFinish: () => true,
    });
  }

  #start<T>(
    conversationId: string,
    id: string,
    input: UploadInput,
    options: UploadFileOptions,
    then: { finish(fileId: string, stored: FileInfo | null): Promise<T>; abortFinish(): boolean },
  ): UploadHandle<T> {
    const { name, type, size, onProgress, sha256 = true } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
    assertBoolean('options.sha256', sha256);
    const source = toUploadSource(input, { name, type, size });
    const session = this.#ctx.session();
    if (!session) throw new InvalidStateError('not connected yet: call plaza.connect() first');
    const logger = () => this.#ctx.logger();
    const handle: UploadHandle<T> = new UploadHandle<T>({
      id,
      size: source.size,
      prepare: () => this.#prepare(conversationId, source, sha256, session, (sent, total) => handle._onProgress(sent, total)),
      finish: (fileId, stored) => then.finish(fileId, stored),
      abortFinish: () => then.abortFinish(),
      onProgress,
      logger,
    });
    return handle;
  }

  async #prepare(
    conversationId: string,
    input: UploadSource,
    wantSha256: boolean,
    session: SessionInfo,
    report: (bytesSent: number, bytesTotal: number | null) => void,
  ): Promise<TusTransfer> {
    const limits = this.#ctx.session()?.limits ?? session.limits;
    const max = typeof limits.maxFileBytes === 'number' ? limits.maxFileBytes : Number.MAX_SAFE_INTEGER;
    const tooLarge = (size: string) => new PlazaError(ErrorCode.PAYLOAD_TOO_LARGE, `the file has ${size} bytes; the server accepts at most ${max}`);
    if (input.size !== null && input.size > max) throw tooLarge(String(input.size));
    let source = input;
    if (input.kind === 'stream' && input.size === null) {
      // The server needs the length before the first byte: read the stream into memory (at most maxFileBytes).
      const bytes = await readAll(input.reader, max);
      if (bytes === null) throw tooLarge(`more than ${max}`);
      source = { kind: 'bytes', bytes, size: bytes.byteLength, name: input.name, type: input.type };
    }
    if (source.size === 0) throw new PlazaError(ErrorCode.INVALID_REQUEST, 'empty files are not accepted');
    const sha256 = wantSha256 ? await sha256Of(source) : null;
    const endpoint = this.#endpointFor(limits.uploadPath ?? DEFAULT_UPLOAD_PATH);
    const userId = (this.#ctx.session() ?? session).user.id;
    return new TusTransfer({
      endpoint,
      source,
      metadata: {
        conversationId,
        filename: source.name,
        ...(source.type ? { filetype: source.type } : {}),
        ...(sha256 ? { sha256 } : {}),
      },
      fingerprint: fingerprintOf(source, sha256, [userId, conversationId, endpoint]),
      urlStorage: this.#urlStorage,
      chunkSize: this.#ctx.tuning.chunkBytes,
      retryDelays: [...this.#ctx.tuning.retryDelaysMs],
      blobBodies: !this.#nodeStack,
      auth: this.#auth,
      onProgress: report,
      logger: () => this.#ctx.logger(),
      httpStack: this.#httpStack,
      // Node: a file in memory that fits one request skips tus-js-client's per-upload machinery.
      singleRequest: this.#nodeStack,
    });
  }

  /** The tus endpoint for the announced upload path, resolved once per path rather than per upload. */
  #endpointFor(uploadPath: string): string {
    if (this.#endpoint?.path !== uploadPath) this.#endpoint = { path: uploadPath, url: resolveServerPath(this.#ctx.baseUrl, uploadPath) };
    return this.#endpoint.url;
  }

  /** `file:get`, waiting for the connection when it is down. */
  async #getWhenConnected(fileId: string): Promise<FileInfo> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#ctx.request('file:get', { fileId });
      } catch (raw) {
        const error = toPlazaError(raw);
        if (!error.retryable || attempt >= 5) throw error;
        await this.#ctx.whenConnected();
      }
    }
  }
}

/**
 * Identifies an upload of the same content by the same user into the same conversation, so that
 * an unfinished upload is resumed rather than started again (after a page reload in browsers).
 * `null` when the content cannot be identified cheaply (streams; bytes without a checksum).
 */
function fingerprintOf(source: UploadSource, sha256: string | null, scope: string[]): string | null {
  const key = (parts: (string | number | null)[]) => ['plaza', ...scope, ...parts].map((p) => encodeURIComponent(String(p))).join(':');
  if (sha256) return key([source.size, sha256]);
  if (source.kind === 'blob' && source.lastModified !== null) return key([source.size, source.name, source.type, source.lastModified]);
  return null;
}

/** One token for all uploads of a client, renewed through the token provider when refused. */
function sharedAuth(ctx: FileManagerContext): UploadAuth {
  let renewed: string | null = null;
  /** The connection's token when `renewed` was fetched: a reconnect since brings a newer one. */
  let renewedOver: string | null = null;
  let pending: Promise<boolean> | null = null;
  const current = () => {
    const connection = ctx.currentToken();
    return renewed !== null && connection === renewedOver ? renewed : connection;
  };
  return {
    current,
    refresh(stale) {
      const now = current();
      if (stale !== null && now !== null && now !== stale) return Promise.resolve(true); // already renewed meanwhile
      pending ??= ctx
        .fetchToken()
        .then((fresh) => {
          if (fresh === null || fresh === stale) return false;
          renewed = fresh;
          renewedOver = ctx.currentToken();
          return true;
        })
        .catch((error: unknown) => {
          ctx.logger().info('the token provider failed while renewing an upload token', { error });
          return false;
        })
        .finally(() => {
          pending = null;
        });
      return pending;
    },
  };
}
