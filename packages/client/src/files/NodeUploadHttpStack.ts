import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { HttpRequest, HttpResponse, HttpStack } from 'tus-js-client';

/** Bytes handed to the socket per write of a request body (tus-js-client's own Node stack writes 16 KiB). */
const BODY_WRITE_BYTES = 1024 * 1024;

/** Progress is reported at most this often (and on the first write), like tus-js-client's own stack. */
const PROGRESS_INTERVAL_MS = 100;

/** The parts of `node:http` / `node:https` this stack uses. */
interface HttpModule {
  request(url: string | URL, options: RequestOptions): ClientRequest;
  Agent: new (options: { keepAlive: boolean }) => Agent;
}

/**
 * Node's `http` and `https` modules, looked up at run time (`process.getBuiltinModule`, Node
 * ≥ 20.16), so that browser bundles of the SDK never see a `node:` import. `null` elsewhere.
 */
function builtinHttp(): { http: HttpModule; https: HttpModule } | null {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof get !== 'function') return null;
  const http = get('node:http') as HttpModule | undefined;
  const https = get('node:https') as HttpModule | undefined;
  return http && https ? { http, https } : null;
}

/**
 * tus-js-client's HTTP stack for Node, sending request bodies in large writes: bytes go to the
 * socket {@link BODY_WRITE_BYTES} at a time (with back-pressure), where tus-js-client's own Node
 * stack cuts them into 16 KiB writes, which costs CPU on both ends for large uploads. Connections
 * are kept alive. Progress is reported as writes are handed on, at most every 100 ms.
 *
 * @internal
 */
export class NodeUploadHttpStack implements HttpStack {
  readonly #modules: { http: HttpModule; https: HttpModule };
  readonly #agents = new Map<string, Agent>();

  private constructor(modules: { http: HttpModule; https: HttpModule }) {
    this.#modules = modules;
  }

  /** The stack, or `null` where Node's `http` module cannot be reached (browsers, old Node). */
  static create(): NodeUploadHttpStack | null {
    const modules = builtinHttp();
    return modules ? new NodeUploadHttpStack(modules) : null;
  }

  /** tus-js-client's name for its Node stack, so code that asks which one runs gets the same answer. */
  getName(): string {
    return 'NodeHttpStack';
  }

  createRequest(method: string, url: string): HttpRequest {
    const secure = url.startsWith('https:');
    const module = secure ? this.#modules.https : this.#modules.http;
    const key = secure ? 'https' : 'http';
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = new module.Agent({ keepAlive: true });
      this.#agents.set(key, agent);
    }
    return new NodeUploadRequest(method, url, module, agent);
  }
}

class NodeUploadRequest implements HttpRequest {
  readonly #headers: Record<string, string> = {};
  #request: ClientRequest | null = null;
  #onProgress: (bytesSent: number) => void = () => {};

  readonly #method: string;
  readonly #url: string;
  readonly #module: HttpModule;
  readonly #agent: Agent;

  constructor(method: string, url: string, module: HttpModule, agent: Agent) {
    this.#method = method;
    this.#url = url;
    this.#module = module;
    this.#agent = agent;
  }

  getMethod(): string {
    return this.#method;
  }

  getURL(): string {
    return this.#url;
  }

  setHeader(header: string, value: string): void {
    this.#headers[header] = value;
  }

  getHeader(header: string): string | undefined {
    return this.#headers[header];
  }

  setProgressHandler(handler: (bytesSent: number) => void): void {
    this.#onProgress = handler;
  }

  send(body?: unknown): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const bytes = body instanceof Uint8Array ? body : null;
      const headers: Record<string, string | number> = { ...this.#headers };
      if (bytes) headers['Content-Length'] = bytes.byteLength;
      const req = this.#module.request(this.#url, { method: this.#method, headers, agent: this.#agent });
      this.#request = req;
      req.once('error', reject);
      req.once('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => resolve(new NodeUploadResponse(res, Buffer.concat(chunks).toString('utf8'))));
      });
      if (!bytes) {
        req.end(body === null || body === undefined ? undefined : (body as string));
        return;
      }
      let offset = 0;
      let reportedAt = Number.NEGATIVE_INFINITY;
      const writeNext = (): void => {
        while (offset < bytes.byteLength) {
          const end = Math.min(offset + BODY_WRITE_BYTES, bytes.byteLength);
          const more = req.write(bytes.subarray(offset, end));
          offset = end;
          const now = Date.now();
          if (now - reportedAt >= PROGRESS_INTERVAL_MS) {
            reportedAt = now;
            this.#onProgress(offset);
          }
          if (!more && offset < bytes.byteLength) {
            req.once('drain', writeNext);
            return;
          }
        }
        req.end();
      };
      writeNext();
    });
  }

  abort(): Promise<void> {
    this.#request?.destroy();
    return Promise.resolve();
  }

  getUnderlyingObject(): unknown {
    return this.#request;
  }
}

class NodeUploadResponse implements HttpResponse {
  readonly #res: IncomingMessage;
  readonly #body: string;

  constructor(res: IncomingMessage, body: string) {
    this.#res = res;
    this.#body = body;
  }

  getStatus(): number {
    return this.#res.statusCode ?? 0;
  }

  getHeader(header: string): string | undefined {
    const value = this.#res.headers[header.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  getBody(): string {
    return this.#body;
  }

  getUnderlyingObject(): unknown {
    return this.#res;
  }
}
