import { DetailedError } from 'tus-js-client';
import type { HttpRequest, HttpResponse, HttpStack } from 'tus-js-client';
import { encodeBase64 } from './base64url.js';

/** What one creation-with-upload request needs. @internal */
export interface SingleRequestOptions {
  /** Absolute URL of the tus creation endpoint. */
  endpoint: string;
  /** The whole content. */
  bytes: Uint8Array;
  /** `Upload-Metadata`. */
  metadata: Record<string, string>;
  /** The HTTP stack tus-js-client would use. */
  httpStack: HttpStack;
  /** tus-js-client's `onBeforeRequest`. */
  beforeRequest(req: HttpRequest): void;
  /** tus-js-client's `onAfterResponse`; a throw fails the request. */
  afterResponse(req: HttpRequest, res: HttpResponse): Promise<void>;
  /** tus-js-client's `onProgress`. */
  onProgress(bytesSent: number, bytesTotal: number): void;
}

/** What the server answered to a successful creation. @internal */
export interface SingleRequestResult {
  /** The upload's URL (`Location`, resolved against the endpoint). */
  url: string;
  /** How many bytes the server stored (`Upload-Offset`). */
  offset: number;
}

const utf8 = new TextEncoder();

/** tus-js-client's `DetailedError` constructor as its JavaScript defines it (its types leave it out). */
const TusError = DetailedError as unknown as new (message: string, cause: unknown, req: HttpRequest, res: HttpResponse | null) => DetailedError;

/**
 * A file in memory that fits in one request, uploaded by one tus creation-with-upload `POST` —
 * the request tus-js-client sends for it, with the same headers, body and progress calls — without
 * building tus-js-client's `Upload`, whose option merging, promise chains and URL parsing cost
 * more CPU than the request itself for small files. It makes one attempt: retries, pauses and
 * larger files stay with tus-js-client (see `TusTransfer`).
 *
 * @internal
 */
export class SingleRequestUpload {
  readonly #o: SingleRequestOptions;
  #req: HttpRequest | null = null;
  #aborted = false;

  /** @param options - see {@link SingleRequestOptions} */
  constructor(options: SingleRequestOptions) {
    this.#o = options;
  }

  /** Whether {@link abort} was called: what the request did afterwards no longer counts. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /**
   * Sends the request. Rejects with a tus-js-client `DetailedError` carrying the same message,
   * request, response and cause as tus-js-client's own creation would, so that retry decisions
   * and error mapping treat both alike.
   */
  async run(): Promise<SingleRequestResult> {
    const { endpoint, bytes, httpStack } = this.#o;
    const size = bytes.byteLength;
    const req = httpStack.createRequest('POST', endpoint);
    this.#req = req;
    req.setHeader('Tus-Resumable', '1.0.0');
    req.setHeader('Upload-Length', String(size));
    const metadata = encodeMetadata(this.#o.metadata);
    if (metadata !== '') req.setHeader('Upload-Metadata', metadata);
    req.setProgressHandler((sent) => this.#o.onProgress(sent, size));
    req.setHeader('Content-Type', 'application/offset+octet-stream');
    this.#o.onProgress(0, size);
    let res: HttpResponse;
    try {
      this.#o.beforeRequest(req);
      // tus-js-client's Node stack reads `size` from the body it is given.
      res = await req.send(Object.assign(bytes.subarray(0), { size }));
      await this.#o.afterResponse(req, res);
    } catch (error) {
      throw new TusError('tus: failed to create upload', error, req, null);
    }
    const status = res.getStatus();
    if (status < 200 || status >= 300) throw new TusError('tus: unexpected response while creating upload', null, req, res);
    const location = res.getHeader('Location');
    if (location === undefined) throw new TusError('tus: invalid or missing Location header', null, req, res);
    const offset = Number.parseInt(res.getHeader('Upload-Offset') ?? '', 10);
    if (Number.isNaN(offset)) throw new TusError('tus: invalid or missing offset value', null, req, res);
    const url = new URL(location, endpoint).toString();
    this.#o.onProgress(offset, size);
    return { url, offset };
  }

  /** Stops the request; {@link run} then rejects, and its outcome should be ignored. */
  abort(): void {
    this.#aborted = true;
    void this.#req?.abort();
  }
}

/** `Upload-Metadata` as tus-js-client writes it: `key base64(utf8(value))`, comma-separated. */
function encodeMetadata(metadata: Record<string, string>): string {
  return Object.entries(metadata)
    .map(([key, value]) => `${key} ${encodeBase64(utf8.encode(String(value)))}`)
    .join(',');
}
