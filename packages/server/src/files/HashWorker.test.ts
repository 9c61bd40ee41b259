import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HashWorker } from './HashWorker.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('HashWorker', () => {
  const workers: HashWorker[] = [];
  const dirs: string[] = [];
  const start = () => {
    const worker = new HashWorker();
    workers.push(worker);
    return worker;
  };
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

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
    const pool = start();
    const dir = mkdtempSync(join(tmpdir(), 'plaza-hash-'));
    dirs.push(dir);
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
    const again = new HashWorker();
    workers.push(again);
    const fresh = again.session();
    fresh.update([Buffer.from('abc')]);
    expect(await fresh.digest()).toBe(sha256(Buffer.from('abc')));
  });
});
