/**
 * What `sendFile()` / `uploadFile()` accept, turned into one internal shape: a `Blob`, bytes in
 * memory, or a stream read chunk by chunk. Nothing here imports a Node module, so the same code
 * runs in browsers (via the browser bundle) and in Node.
 */

/**
 * A Node.js `Readable` (for example `fs.createReadStream(path)`), described by shape so that
 * browser apps need no Node types. It is read through its async iterator.
 */
export interface NodeReadableLike extends AsyncIterable<unknown> {
  /** Present on every Node stream; used to tell streams from other objects. */
  pipe(...args: never[]): unknown;
  /** Present on every Node stream. */
  on(event: string, listener: (...args: never[]) => void): unknown;
  /** Present on every Node `Readable`. */
  read(...args: never[]): unknown;
  /** The file path of an `fs.ReadStream`; its last segment is the default file name. */
  readonly path?: unknown;
}

/**
 * A file to upload: a browser `File` or `Blob`, bytes (`Uint8Array`, Node `Buffer`, `ArrayBuffer`),
 * a web `ReadableStream` of bytes, or a Node.js `Readable`. Streams are read once, in chunks, and
 * need the `size` option to be checked against the server's limit before the upload starts.
 */
export type UploadInput = Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | NodeReadableLike;

/** Reads a stream one chunk at a time. @internal */
export interface ChunkReader {
  /** The next chunk, or `null` at the end. */
  read(): Promise<Uint8Array | null>;
  /** Stops reading and releases the stream. */
  cancel(): void;
}

interface SourceBase {
  /** File name sent to the server (it sanitises it again). */
  name: string;
  /** Media type hint (`filetype` metadata); the server decides by sniffing. */
  type: string;
}

/** The normalised input of an upload. @internal */
export type UploadSource =
  | (SourceBase & { kind: 'blob'; blob: Blob; size: number; lastModified: number | null })
  | (SourceBase & { kind: 'bytes'; bytes: Uint8Array; size: number })
  | (SourceBase & { kind: 'stream'; reader: ChunkReader; size: number | null });

/** Overrides for what the input says about itself. @internal */
export interface SourceHints {
  /** File name; defaults to `File.name`, the last segment of an `fs.ReadStream` path, or `file`. */
  name?: string | undefined;
  /** Media type; defaults to `Blob.type`, or empty. */
  type?: string | undefined;
  /** Size in bytes of a stream (ignored for other inputs, whose size is known). */
  size?: number | undefined;
}

const DEFAULT_NAME = 'file';

/**
 * Turns an {@link UploadInput} into an {@link UploadSource}.
 *
 * @throws TypeError when the input is none of the accepted kinds, or a hint is invalid
 * @internal
 */
export function toUploadSource(input: unknown, hints: SourceHints = {}): UploadSource {
  const { name, type, size } = hints;
  if (name !== undefined && (typeof name !== 'string' || name.trim().length === 0 || name.length > 255)) {
    throw new TypeError('options.name must be a non-empty string of at most 255 characters');
  }
  if (type !== undefined && typeof type !== 'string') throw new TypeError('options.type must be a string');
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw new TypeError('options.size must be an integer >= 0');
  }
  if (isBlob(input)) {
    const file = input as Blob & { name?: unknown; lastModified?: unknown };
    return {
      kind: 'blob',
      blob: input,
      size: input.size,
      name: name ?? (typeof file.name === 'string' && file.name.length > 0 ? file.name : DEFAULT_NAME),
      type: type ?? input.type,
      lastModified: typeof file.lastModified === 'number' ? file.lastModified : null,
    };
  }
  if (input instanceof Uint8Array) {
    return { kind: 'bytes', bytes: input, size: input.byteLength, name: name ?? DEFAULT_NAME, type: type ?? '' };
  }
  if (input instanceof ArrayBuffer) {
    return { kind: 'bytes', bytes: new Uint8Array(input), size: input.byteLength, name: name ?? DEFAULT_NAME, type: type ?? '' };
  }
  if (isWebStream(input)) {
    return { kind: 'stream', reader: webStreamReader(input), size: size ?? null, name: name ?? DEFAULT_NAME, type: type ?? '' };
  }
  if (isNodeReadable(input)) {
    return { kind: 'stream', reader: iterableReader(input), size: size ?? null, name: name ?? pathName(input.path) ?? DEFAULT_NAME, type: type ?? '' };
  }
  throw new TypeError('input must be a File, Blob, Uint8Array, Buffer, ArrayBuffer, ReadableStream or Node.js Readable');
}

/** Whether `value` is a `Blob` (or `File`), also across realms. */
function isBlob(value: unknown): value is Blob {
  if (typeof Blob !== 'undefined' && value instanceof Blob) return true;
  const v = value as Partial<Blob> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.size === 'number' &&
    typeof v.slice === 'function' &&
    typeof v.arrayBuffer === 'function' &&
    typeof v.stream === 'function'
  );
}

function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  const v = value as Partial<ReadableStream> | null;
  return typeof v === 'object' && v !== null && typeof v.getReader === 'function' && typeof v.tee === 'function';
}

function isNodeReadable(value: unknown): value is NodeReadableLike {
  const v = value as Partial<NodeReadableLike> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.pipe === 'function' &&
    typeof v.on === 'function' &&
    typeof v.read === 'function' &&
    typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** The last segment of a path (`/a/b/report.pdf` → `report.pdf`), or `null`. */
export function pathName(path: unknown): string | null {
  let p: string;
  if (typeof path === 'string') p = path;
  else if (path instanceof Uint8Array) p = new TextDecoder().decode(path);
  else return null;
  const last = p.split(/[\\/]/).pop();
  return last && last.length > 0 ? last : null;
}

/** Turns a chunk from a stream into bytes. */
export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return new TextEncoder().encode(chunk);
  throw new TypeError('the stream produced a chunk that is not bytes');
}

function webStreamReader(stream: ReadableStream<Uint8Array>): ChunkReader {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return {
    async read() {
      reader ??= stream.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return null;
        const bytes = toBytes(value);
        if (bytes.byteLength > 0) return bytes;
      }
    },
    cancel() {
      (reader ?? stream).cancel().catch(() => {});
    },
  };
}

function iterableReader(source: AsyncIterable<unknown>): ChunkReader {
  let iterator: AsyncIterator<unknown> | null = null;
  return {
    async read() {
      iterator ??= source[Symbol.asyncIterator]();
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) return null;
        const bytes = toBytes(value);
        if (bytes.byteLength > 0) return bytes;
      }
    },
    cancel() {
      // return() destroys a Node stream.
      const it = iterator ?? source[Symbol.asyncIterator]();
      it.return?.().catch(() => {});
    },
  };
}

/**
 * Reads a whole stream into memory, for streams of unknown size (the server needs the length up
 * front). Resolves `null`, and cancels the stream, as soon as it grows past `maxBytes`.
 * @internal
 */
export async function readAll(reader: ChunkReader, maxBytes: number): Promise<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      reader.cancel();
      return null;
    }
    parts.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return all;
}
