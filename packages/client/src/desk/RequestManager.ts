import { ErrorCode, limitDefaults } from '@plaza/protocol';
import type { CitizenRequest, Message, RequestChange, RequestLocation, RequestName, RequestOf, RequestStatus, ResponseOf, Topic } from '@plaza/protocol';
import type { Conversation } from '../Conversation.js';
import type { ConversationManager } from '../ConversationManager.js';
import { InvalidStateError, PlazaError, toPlazaError } from '../errors.js';
import type { UploadProgress } from '../events.js';
import type { UploadInput } from '../files/input.js';
import { newClientId } from '../internal/clientId.js';
import { SafeEmitter } from '../internal/SafeEmitter.js';
import { assertId, assertObject } from '../internal/validate.js';
import type { Logger } from '../logger.js';
import type { OutgoingMessage } from '../Outbox.js';
import type { RequestManagerEvents } from './events.js';
import { assertKnownKeys, assertNote, assertOneOf, assertSlug } from './validate.js';

/** Options of {@link RequestManager.open}. */
export interface OpenRequestOptions {
  /** What it is about: a topic id from {@link RequestManager.topics}, for example `street-light`. */
  topicId: string;
  /** What the citizen writes (1–4000 characters); posted as their first message. */
  description: string;
  /** Where the problem is. */
  location?: RequestLocation;
  /**
   * Photos (or other files) to attach, at most 10: `File`/`Blob`, bytes (`Uint8Array`, `Buffer`,
   * `ArrayBuffer`), a web `ReadableStream` or a Node.js `Readable` — what `conversation.sendFile()`
   * accepts. They are uploaded into the request's conversation and sent as one message.
   */
  photos?: UploadInput[];
  /**
   * Idempotency key (1–64 letters, digits, `_`, `-`): opening again with the same key answers the
   * same request. Generated when left out; pass your own to retry safely after a failure.
   */
  clientId?: string;
  /** Called as photo bytes are sent: the sum over all photos. */
  onProgress?: (progress: UploadProgress) => void;
}

/** What {@link RequestManager.open} resolves with. */
export interface OpenedRequest {
  /** The request, routed to its topic's department. */
  request: CitizenRequest;
  /** Its conversation: chat with the agent here (`send`, `sendFile`, `joinCall`). */
  conversation: Conversation;
  /** The message carrying the photos, or `null` when none were given. */
  photos: Message | null;
}

/** What the request manager needs from the client (injected). @internal */
export interface RequestManagerContext {
  /** Sends a request. */
  request<K extends RequestName>(name: K, payload: RequestOf<K>): Promise<ResponseOf<K>>;
  /** The user's conversations. */
  conversations: ConversationManager;
  /** Queues a message in the outbox. */
  enqueue(message: OutgoingMessage): Promise<Message>;
  /** Resolves once the client is connected (at once if it is). */
  whenConnected(): Promise<void>;
  /** Whether the client has connected at least once. */
  hasSession(): boolean;
  /** Where to log. */
  logger(): Logger;
}

const STATUSES: readonly RequestStatus[] = ['queued', 'claimed', 'on_hold', 'resolved'];
const MAX_DESCRIPTION = 4000;
const MAX_NOTE = 2000;
/** Tries of `request:open` when the answer is lost (the same clientId makes a retry safe). */
const OPEN_ATTEMPTS = 3;

/**
 * The citizen's side of the citizen desk (`plaza.requests`): the topics one can report, opening a
 * request (routed to the right department without the citizen knowing whom to ask), the user's
 * requests, and `requestUpdated` whenever one of them changes.
 *
 * A request is a conversation of kind `request`: chat with the agent, send files and start a call
 * there as in any conversation.
 *
 * @example
 * ```ts
 * const topics = await plaza.requests.topics();
 * const { request, conversation } = await plaza.requests.open({
 *   topicId: 'street-light',
 *   description: 'The lamp at Elm St 12 is out.',
 *   location: { lat: 52.52, lng: 13.405, address: 'Elm St 12' },
 *   photos: [fileInput.files[0]],
 * });
 * conversation.on('message', (m) => render(m));
 * plaza.requests.on('requestUpdated', ({ change, request }) => {
 *   if (change === 'resolved') showResolved(request.resolution);
 * });
 * ```
 */
export class RequestManager extends SafeEmitter<RequestManagerEvents> {
  readonly #ctx: RequestManagerContext;

  /** @internal Created by {@link PlazaClient}. */
  constructor(ctx: RequestManagerContext) {
    super('requests', () => ctx.logger());
    this.#ctx = ctx;
  }

  /** The topics a citizen can report, each routed to one department. */
  topics(): Promise<Topic[]> {
    this.#assertSession('topics');
    return this.#ctx.request('desk:topics', {});
  }

  /**
   * Opens a request: the server routes it to the topic's department queue and posts the
   * description as the user's first message (and, outside opening hours, when to expect an
   * answer). Then the photos, if any, are uploaded into the conversation and sent as one message.
   *
   * Idempotent per `clientId`: a lost answer is retried with the same key, and if `open()` fails
   * after the request was opened (a photo upload failed), calling it again with the same
   * `clientId` answers the same request and sends the photos again.
   *
   * Rejects with a {@link PlazaError}: `TOPIC_NOT_FOUND`, `INVALID_REQUEST`, `RATE_LIMITED`,
   * upload errors (`PAYLOAD_TOO_LARGE`, `UNSUPPORTED_FILE_TYPE`, `QUOTA_EXCEEDED`, …).
   *
   * @param options - topic, description, location, photos; see {@link OpenRequestOptions}
   * @throws TypeError when an option is invalid
   * @throws InvalidStateError before the first `connect()`
   */
  open(options: OpenRequestOptions): Promise<OpenedRequest> {
    assertObject('options', options);
    const { topicId, description, location, photos = [], clientId, onProgress } = options;
    assertSlug('options.topicId', topicId);
    assertNote('options.description', description, MAX_DESCRIPTION);
    if (location !== undefined) assertLocation(location);
    if (!Array.isArray(photos)) throw new TypeError('options.photos must be an array');
    if (photos.length > limitDefaults.maxAttachments) throw new TypeError(`options.photos must have at most ${limitDefaults.maxAttachments} entries`);
    if (clientId !== undefined) assertId('options.clientId', clientId);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
    this.#assertSession('open');
    const key = clientId ?? newClientId();
    const payload = {
      topicId,
      description,
      clientId: key,
      ...(location !== undefined ? { location: copyLocation(location) } : {}),
    };
    return this.#open(payload, key, [...photos], onProgress);
  }

  /**
   * The user's own requests, newest first.
   *
   * @param status - only those in this status
   * @throws TypeError when `status` is invalid
   */
  mine(status?: RequestStatus): Promise<CitizenRequest[]> {
    assertOneOf('status', status, STATUSES);
    this.#assertSession('mine');
    return this.#ctx.request('request:mine', status !== undefined ? { status } : {});
  }

  /**
   * One request the user may see (their own, one they are assigned, or one in a queue of their
   * department). Rejects with `REQUEST_NOT_FOUND` when it does not exist, `PERMISSION_DENIED`
   * when the user may not see it.
   *
   * @param conversationId - the request's conversation
   * @throws TypeError when `conversationId` is invalid
   */
  get(conversationId: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    this.#assertSession('get');
    return this.#ctx.request('request:get', { conversationId });
  }

  /**
   * Reopens the user's resolved request (it goes back to the department's queue), for example
   * when the problem came back.
   *
   * @param conversationId - the request's conversation
   * @param reason - why, posted in the conversation (1–2000 characters)
   * @throws TypeError when an argument is invalid
   */
  reopen(conversationId: string, reason?: string): Promise<CitizenRequest> {
    assertId('conversationId', conversationId);
    if (reason !== undefined) assertNote('reason', reason, MAX_NOTE);
    this.#assertSession('reopen');
    return this.#ctx.request('request:reopen', { conversationId, ...(reason !== undefined ? { reason } : {}) });
  }

  /** @internal A `request:updated` event. */
  _onRequestUpdated(change: RequestChange): void {
    this.emit('requestUpdated', change);
  }

  async #open(
    payload: RequestOf<'request:open'>,
    key: string,
    photos: UploadInput[],
    onProgress: ((progress: UploadProgress) => void) | undefined,
  ): Promise<OpenedRequest> {
    const request = await this.#openRequest(payload);
    const conversations = this.#ctx.conversations;
    const conversation = conversations.find(request.conversationId) ?? (await conversations.get(request.conversationId));
    if (photos.length === 0) return { request, conversation, photos: null };
    const fileIds = await this.#upload(conversation, photos, onProgress);
    const message = await this.#ctx.enqueue({
      conversationId: conversation.id,
      clientId: photoMessageId(key),
      text: '',
      replyTo: null,
      mentions: [],
      attachments: fileIds,
    });
    return { request, conversation, photos: message };
  }

  /** `request:open`, again with the same key when the answer was lost on the way. */
  async #openRequest(payload: RequestOf<'request:open'>): Promise<CitizenRequest> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#ctx.request('request:open', payload);
      } catch (raw) {
        const error = toPlazaError(raw);
        const lost = error.code === ErrorCode.DISCONNECTED || error.code === ErrorCode.TIMEOUT;
        if (!lost || attempt >= OPEN_ATTEMPTS) throw error;
        this.#ctx.logger().info('request:open is retried with the same clientId', { code: error.code, attempt });
        await this.#ctx.whenConnected();
      }
    }
  }

  /** Uploads the photos one after the other; resolves with their file ids. */
  async #upload(conversation: Conversation, photos: UploadInput[], onProgress: ((p: UploadProgress) => void) | undefined): Promise<string[]> {
    const sent = photos.map(() => 0);
    const totals: (number | null)[] = photos.map(() => null);
    const report = () => {
      if (!onProgress) return;
      const known = totals.every((t) => t !== null);
      onProgress({ bytesSent: sum(sent), bytesTotal: known ? sum(totals as number[]) : null });
    };
    const ids: string[] = [];
    for (const [i, photo] of photos.entries()) {
      const handle = conversation.uploadFile(photo, {
        ...(hasOwnName(photo) ? {} : { name: `photo-${i + 1}` }),
        onProgress: (p) => {
          sent[i] = p.bytesSent;
          totals[i] = p.bytesTotal;
          report();
        },
      });
      try {
        const info = await handle.done;
        ids.push(info.fileId);
      } catch (raw) {
        const error = toPlazaError(raw);
        throw new PlazaError(error.code, `the request ${conversation.id} is open, but photo ${i + 1} could not be uploaded: ${error.message}`, {
          ...(error.details !== undefined ? { details: error.details } : {}),
          cause: error,
        });
      }
    }
    return ids;
  }

  #assertSession(what: string): void {
    if (!this.#ctx.hasSession()) throw new InvalidStateError(`requests.${what}() needs a connection: call plaza.connect() first`);
  }
}

/**
 * The clientId of the photos' message, derived from the request's key so that opening again with
 * the same key sends it once. A key too long to derive from gets a random one.
 */
function photoMessageId(key: string): string {
  return key.length <= 58 ? `${key}-photo` : newClientId();
}

function assertLocation(location: unknown): asserts location is RequestLocation {
  assertObject('options.location', location);
  assertKnownKeys('options.location', location as object, LOCATION_KEYS);
  const { lat, lng, address } = location as Partial<RequestLocation>;
  if (typeof lat !== 'number' || !Number.isFinite(lat) || lat < -90 || lat > 90) throw new TypeError('options.location.lat must be a number between -90 and 90');
  if (typeof lng !== 'number' || !Number.isFinite(lng) || lng < -180 || lng > 180) throw new TypeError('options.location.lng must be a number between -180 and 180');
  if (address !== undefined) assertNote('options.location.address', address, 300);
}

/** The fields of a location the server takes (it refuses others, and so does {@link assertLocation}). */
const LOCATION_KEYS = ['lat', 'lng', 'address'] as const;

/** A copy without `address: undefined`. */
function copyLocation({ lat, lng, address }: RequestLocation): RequestLocation {
  return { lat, lng, ...(address !== undefined ? { address } : {}) };
}

/** A browser `File` and an `fs.ReadStream` keep their own names; bytes and plain blobs are called `photo-<n>`. */
function hasOwnName(input: UploadInput): boolean {
  const named = input as { name?: unknown; path?: unknown };
  const isBlob = typeof Blob !== 'undefined' && input instanceof Blob;
  return (isBlob && typeof named.name === 'string' && named.name !== '') || (!isBlob && typeof named.path === 'string');
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
