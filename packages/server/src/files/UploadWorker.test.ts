import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UploadWorker } from './UploadWorker.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Workers and directories of the running test, stopped and removed after it.
const workers: UploadWorker[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const start = () => {
  const worker = new UploadWorker();
  workers.push(worker);
  return worker;
};
/** A worker and an empty directory. */
const setup = () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-upload-worker-'));
  dirs.push(dir);
  return { worker: start(), dir };
};

describe('UploadWorker', () => {
  it('hashes the chunks of each session in order, sessions side by side, and goes on after a digest', async () => {
    const pool = start();
    const a = randomBytes(3 * 1024 * 1024 + 17);
    const b = randomBytes(100_000);
    const one = pool.session();
    const two = pool.session();
    for (let at = 0; at < a.length; at += 700_001) {
      one.update([a.subarray(at, Math.min(a.length, at + 300_000)), a.subarray(Math.min(a.length, at + 300_000), Math.min(a.length, at + 700_001))]);
      two.update([b.subarray(0, 10)]);
      if (at === 0) expect(await one.digest()).toBe(sha256(a.subarray(0, 700_001)));
    }
    expect(one.bytes).toBe(a.length);
    expect(await one.digest()).toBe(sha256(a));
    expect(await two.digest()).toBe(sha256(Buffer.concat(Array.from({ length: 5 }, () => b.subarray(0, 10)))));
    // Slices of a larger block are copied: the caller's buffer is untouched.
    expect(a.length).toBe(3 * 1024 * 1024 + 17);
  });

  it('takes the memory of chunks that own all of it, without a copy', async () => {
    const pool = start();
    const owned = Buffer.allocUnsafeSlow(100_000);
    owned.set(randomBytes(100_000));
    const expected = sha256(owned);
    const session = pool.session();
    session.update([owned]);
    expect(owned.length).toBe(0); // transferred to the thread
    expect(await session.digest()).toBe(expected);
  });

  it('starts a session from the first bytes of a file', async () => {
    const { worker: pool, dir } = setup();
    const bytes = randomBytes(2_500_000);
    writeFileSync(join(dir, 'upload'), bytes);
    const session = pool.session();
    await session.load(join(dir, 'upload'), 2_000_000);
    expect(await session.digest()).toBe(sha256(bytes.subarray(0, 2_000_000)));
    session.update([bytes.subarray(2_000_000)]);
    expect(await session.digest()).toBe(sha256(bytes));
    await expect(pool.session().load(join(dir, 'upload'), 3_000_000)).rejects.toThrow(/holds 2500000 bytes/);
    await expect(pool.session().load(join(dir, 'missing'), 10)).rejects.toThrow(/ENOENT/);
  });

  it('breaks the sessions of a stopped thread', async () => {
    const pool = start();
    const session = pool.session();
    session.update([Buffer.from('abc')]);
    await pool.close();
    expect(session.broken).toBe(true);
    await expect(session.digest()).rejects.toThrow(/gone/);
    // Another pool still hashes (each runs its own thread).
    const again = new UploadWorker();
    workers.push(again);
    const fresh = again.session();
    fresh.update([Buffer.from('abc')]);
    expect(await fresh.digest()).toBe(sha256(Buffer.from('abc')));
  });
});

describe('UploadSession files', () => {
  it('writes the chunks handed over to the open file, in order, before it hashes them', async () => {
    const { worker, dir } = setup();
    const path = join(dir, 'upload');
    const bytes = randomBytes(3 * 1024 * 1024 + 5);
    const session = worker.session();
    session.openFile(path, 'w', 0);
    for (let at = 0; at < bytes.length; at += 65_536) session.update([Buffer.from(bytes.subarray(at, at + 65_536))]);
    await session.drain();
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(await session.digest()).toBe(sha256(bytes));
    await session.closeFile();
  });

  it('continues a file at a position, and syncs and closes it', async () => {
    const { worker, dir } = setup();
    const path = join(dir, 'upload');
    const head = randomBytes(1000);
    const tail = randomBytes(200_000);
    writeFileSync(path, head);
    const session = worker.session();
    await session.load(path, head.length);
    session.openFile(path, 'r+', head.length);
    session.update([Buffer.from(tail)]);
    const finished = session.finishFile();
    expect(await finished.digest).toBe(sha256(Buffer.concat([head, tail])));
    await finished.synced;
    expect(readFileSync(path).equals(Buffer.concat([head, tail]))).toBe(true);
    // The sync ended the session on the thread; its digest is remembered.
    expect(await session.digest()).toBe(sha256(Buffer.concat([head, tail])));
    const again = session.finishFile();
    await Promise.all([expect(again.digest).rejects.toThrow(/no such session/), expect(again.synced).rejects.toThrow(/no such session/)]);
  });

  it('reports an error opening or writing the file in drain and sync, and hashes on', async () => {
    const { worker, dir } = setup();
    const session = worker.session();
    session.openFile(join(dir, 'missing', 'upload'), 'w', 0);
    session.update([Buffer.from('abc')]);
    await expect(session.drain()).rejects.toThrow(/ENOENT/);
    expect(await session.digest()).toBe(sha256(Buffer.from('abc')));
    const finished = session.finishFile();
    await Promise.all([expect(finished.digest).rejects.toThrow(/ENOENT/), expect(finished.synced).rejects.toThrow(/ENOENT/)]);
  });

  it('opens the file with the next message: closing before any creates none, closing after waits for it', async () => {
    const { worker, dir } = setup();
    const path = join(dir, 'upload');
    const session = worker.session();
    session.openFile(path, 'w', 0);
    await session.closeFile();
    expect(existsSync(path)).toBe(false);
    session.openFile(path, 'w', 0);
    await session.drain();
    await session.closeFile();
    expect(existsSync(path)).toBe(true);
    session.dispose();
    // A dropped session has no file to sync.
    const finished = session.finishFile();
    await Promise.all([expect(finished.digest).rejects.toThrow(/no such session/), expect(finished.synced).rejects.toThrow(/no such session/)]);
  });

  it('fails the writes of a session whose thread stopped', async () => {
    const { worker, dir } = setup();
    const session = worker.session();
    session.openFile(join(dir, 'upload'), 'w', 0);
    await worker.close();
    session.update([Buffer.from('abc')]);
    await expect(session.drain()).rejects.toThrow(/gone/);
    expect(session.broken).toBe(true);
  });
});

describe('UploadSession hashing here', () => {
  it('hashes on the calling thread while the worker writes, and keeps its digest when the worker is lost', async () => {
    const { worker, dir } = setup();
    const path = join(dir, 'upload');
    const bytes = randomBytes(700_000);
    const session = worker.session({ hashHere: true });
    session.openFile(path, 'w', 0);
    session.update([Buffer.from(bytes.subarray(0, 300_000)), Buffer.from(bytes.subarray(300_000))]);
    expect(await session.digest()).toBe(sha256(bytes));
    const finished = session.finishFile();
    expect(await finished.digest).toBe(sha256(bytes));
    await finished.synced;
    expect(readFileSync(path).equals(bytes)).toBe(true);
    await expect(session.load(path, 10)).rejects.toThrow(/starts empty/);

    const other = worker.session({ hashHere: true });
    other.openFile(join(dir, 'other'), 'w', 0);
    await worker.close();
    other.update([Buffer.from('abc')]);
    // The hash lives here: it survives; the write does not.
    expect(other.broken).toBe(false);
    expect(await other.digest()).toBe(sha256(Buffer.from('abc')));
    await expect(other.drain()).rejects.toThrow(/gone/);
  });
});
