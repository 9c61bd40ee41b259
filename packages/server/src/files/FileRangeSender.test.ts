import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FileRangeSender } from './FileRangeSender.js';

describe('FileRangeSender', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-range-sender-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = randomBytes(3 * 1024 * 1024 + 123);
  const path = join(dir, 'object');
  writeFileSync(path, bytes);

  /**
   * Everything written into a slow writable that takes each write's bytes only on a later tick,
   * just before its callback (as a socket does): a buffer reused too early would show.
   */
  const collector = () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        setImmediate(() => {
          chunks.push(Buffer.from(chunk));
          callback();
        });
      },
    });
    return { out, received: () => Buffer.concat(chunks) };
  };

  it('sends the whole file, or an inclusive range, in order, with its two buffers reused', async () => {
    const whole = collector();
    await new FileRangeSender(await open(path, 'r'), 0, bytes.length - 1).sendTo(whole.out);
    expect(whole.received().equals(bytes)).toBe(true);
    const part = collector();
    await new FileRangeSender(await open(path, 'r'), 1_000_000, 2_500_000).sendTo(part.out);
    expect(part.received().equals(bytes.subarray(1_000_000, 2_500_001))).toBe(true);
  });

  it('rejects and closes the file when the connection goes away in the middle', async () => {
    const handle = await open(path, 'r');
    const out = new PassThrough({ highWaterMark: 1 });
    out.once('data', () => out.destroy());
    await expect(new FileRangeSender(handle, 0, bytes.length - 1).sendTo(out)).rejects.toThrow();
    // Closed: reading through the handle fails.
    await expect(handle.read(Buffer.alloc(1), 0, 1, 0)).rejects.toThrow(/closed|EBADF/);
  });

  it('rejects when the file is shorter than the range', async () => {
    const sink = collector();
    await expect(new FileRangeSender(await open(path, 'r'), 0, bytes.length + 10).sendTo(sink.out)).rejects.toThrow(/ends before byte/);
  });
});
