import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** Bytes queued from the socket before reading pauses (back-pressure towards the client). */
const QUEUE_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * An upload request's body read straight from Node's `IncomingMessage`, past @tus/server's own
 * body path (a web stream, `Readable.fromWeb`, a `PassThrough` and a limiter: four stream hops
 * per 64 KiB chunk, most of the server's CPU for large uploads). tus still gets a placeholder
 * body whose stream chain ends when tus gives up on the request (a newer request for the same
 * upload asked for its lock, or the request was aborted): {@link DirectBody.watch} turns that
 * into the end of this body, as tus's own path would.
 */
export class DirectBody {
  readonly #raw: IncomingMessage;
  readonly #end: () => void;
  /** Whether the request creates the upload (tus creation-with-upload). */
  readonly creation: boolean;
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #stopped = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  /**
   * @param raw - the request
   * @param end - closes the placeholder body handed to tus, once this body was read
   * @param creation - whether the request creates the upload (`POST`)
   */
  constructor(raw: IncomingMessage, end: () => void, creation: boolean) {
    this.#raw = raw;
    this.#end = end;
    this.creation = creation;
  }

  /**
   * Starts reading. `control` is the stream tus hands to the data store (fed by the placeholder):
   * when it ends or fails before the placeholder was closed, tus abandoned the request and this
   * body ends where it is.
   */
  watch(control: Readable): void {
    const stop = () => {
      this.#stopped = true;
      this.#signal();
    };
    control.once('end', stop);
    control.once('close', stop);
    control.once('error', stop);
    control.resume();
    const raw = this.#raw;
    raw.on('data', (chunk: Buffer) => {
      this.#queue.push(chunk);
      this.#queued += chunk.length;
      if (this.#queued >= QUEUE_LIMIT_BYTES) raw.pause();
      this.#signal();
    });
    raw.once('end', () => {
      this.#ended = true;
      this.#signal();
    });
    raw.once('error', (error) => {
      this.#error = error;
      this.#signal();
    });
    raw.once('close', () => {
      if (!raw.complete && !this.#ended) this.#error ??= new Error('the request was aborted');
      this.#signal();
    });
  }

  /** The chunks of the body, as they arrive; ends early when tus abandons the request. */
  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        // A broken request: what is still queued is dropped (the client resumes from the stored offset).
        if (this.#error) throw this.#error;
        const chunk = this.#queue.shift();
        if (chunk) {
          this.#queued -= chunk.length;
          if (this.#queued < QUEUE_LIMIT_BYTES && this.#raw.isPaused()) this.#raw.resume();
          yield chunk;
          continue;
        }
        if (this.#stopped || this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      if (!this.#ended) {
        // Abandoned: stop taking bytes from the socket (tus closes the connection).
        this.#raw.pause();
        this.#raw.removeAllListeners('data');
      }
      this.#queue = [];
      this.#end();
    }
  }

  /** Whether the request broke off (the client went away) rather than ending. */
  get broken(): boolean {
    return this.#error !== null;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
