import type { ChunkReader, UploadSource } from './input.js';

/**
 * Reading the input failed, or it did not match its declared size. Never retried: sending the
 * same bytes again cannot help.
 * @internal
 */
export class UploadSourceError extends Error {
  /** @param message - what went wrong with the input */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadSourceError';
  }
}

/** A slice as tus-js-client's HTTP stacks expect it: a `Blob` (browsers) or bytes with a `size`. */
type SliceValue = Blob | (Uint8Array & { size: number });

/** What tus-js-client calls a file source. */
export interface TusFileSource {
  size: number | null;
  slice(start: number, end: number): Promise<{ value: SliceValue | null; done: boolean }>;
  close(): void;
}

function sized(bytes: Uint8Array): Uint8Array & { size: number } {
  return Object.assign(bytes, { size: bytes.byteLength });
}

/**
 * tus-js-client's `fileReader` for {@link UploadSource}s, the same in browsers and Node. Blobs are
 * sliced lazily (sent as `Blob` slices by the browser's XHR stack, read into bytes for Node's HTTP
 * stack); bytes are sent as views without copying; streams are buffered one chunk at a time, and
 * the current chunk is kept until the server has acknowledged it, so a retry after a lost
 * connection or a server restart can resend it.
 *
 * @internal
 */
export class TusFileReader {
  readonly #blobBodies: boolean;

  /** @param blobBodies - whether the HTTP stack can send a `Blob` as a request body (XHR can; Node's cannot) */
  constructor(blobBodies: boolean) {
    this.#blobBodies = blobBodies;
  }

  /** Opens `input` (always an {@link UploadSource} here). */
  openFile(input: UploadSource, chunkSize: number): Promise<TusFileSource> {
    if (input.kind === 'bytes') return Promise.resolve(bytesSource(input.bytes));
    if (input.kind === 'blob') return Promise.resolve(blobSource(input.blob, this.#blobBodies));
    if (!Number.isFinite(chunkSize)) return Promise.reject(new UploadSourceError('streams need a finite chunk size'));
    return Promise.resolve(new StreamSlicer(input.reader, input.size));
  }
}

function bytesSource(bytes: Uint8Array): TusFileSource {
  return {
    size: bytes.byteLength,
    slice: (start, end) => Promise.resolve({ value: sized(bytes.subarray(start, end)), done: end >= bytes.byteLength }),
    close: () => {},
  };
}

function blobSource(blob: Blob, blobBodies: boolean): TusFileSource {
  return {
    size: blob.size,
    async slice(start, end) {
      const part = blob.slice(start, end);
      const done = end >= blob.size;
      if (blobBodies) return { value: part, done };
      try {
        return { value: sized(new Uint8Array(await part.arrayBuffer())), done };
      } catch (error) {
        throw new UploadSourceError('cannot read the file', { cause: error });
      }
    },
    close: () => {},
  };
}

/**
 * Slices of a stream that can only be read forwards. Keeps the bytes from the start of the last
 * slice, because tus-js-client asks for the same slice again after a failed request.
 */
class StreamSlicer implements TusFileSource {
  readonly size: number | null;
  readonly #reader: ChunkReader;
  #buf: Uint8Array = new Uint8Array(0);
  #bufStart = 0;
  #ended = false;

  constructor(reader: ChunkReader, size: number | null) {
    this.#reader = reader;
    this.size = size;
  }

  async slice(start: number, end: number): Promise<{ value: SliceValue | null; done: boolean }> {
    if (start < this.#bufStart || start > this.#bufStart + this.#buf.byteLength) {
      throw new UploadSourceError(`cannot read a stream at offset ${start}: it is read once, forwards (at ${this.#bufStart})`);
    }
    this.#buf = this.#buf.subarray(start - this.#bufStart);
    this.#bufStart = start;
    const want = end - start;
    await this.#fill(want);
    const value = this.#buf.subarray(0, want);
    const reached = start + value.byteLength;
    if (this.size === null) {
      return { value: sized(value), done: this.#ended && this.#buf.byteLength <= want };
    }
    if (reached < this.size && value.byteLength < want) {
      throw new UploadSourceError(`the stream ended after ${reached} bytes but options.size is ${this.size}`);
    }
    if (reached >= this.size) {
      // The last slice: the stream must end here.
      await this.#fill(want + 1);
      if (reached > this.size || this.#buf.byteLength > want) {
        throw new UploadSourceError(`the stream is longer than options.size (${this.size} bytes)`);
      }
      return { value: sized(value), done: true };
    }
    return { value: sized(value), done: false };
  }

  close(): void {
    this.#reader.cancel();
  }

  /** Reads until the buffer holds `want` bytes or the stream ended. */
  async #fill(want: number): Promise<void> {
    if (this.#buf.byteLength >= want || this.#ended) return;
    const parts: Uint8Array[] = [this.#buf];
    let have = this.#buf.byteLength;
    try {
      while (have < want) {
        const chunk = await this.#reader.read();
        if (chunk === null) {
          this.#ended = true;
          break;
        }
        parts.push(chunk);
        have += chunk.byteLength;
      }
    } catch (error) {
      throw new UploadSourceError('reading the stream failed', { cause: error });
    }
    const joined = new Uint8Array(have);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.byteLength;
    }
    this.#buf = joined;
  }
}
