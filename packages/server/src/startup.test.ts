import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { PlazaError, toPlazaError } from './errors.js';
import { createPlazaServer } from './createPlazaServer.js';
import { StartupError } from './StartupError.js';
import { createSqliteChatStore } from './storage/SqliteChatStore.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

interface Outcome {
  code: number | null;
  stderr: string;
}

/** Runs the CLI until it exits (or, with `untilListening`, until it logs `listening`). */
async function runCli(args: string[], untilListening = false): Promise<{ child: ChildProcess; outcome: Promise<Outcome>; listening: Promise<number> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: repoRoot,
    env: { ...process.env, PLAZA_API_KEY: '', PLAZA_API_SECRET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', () => reject(new Error(`exited before listening: ${stderr}`)));
  });
  listening.catch(() => undefined);
  const outcome = new Promise<Outcome>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  if (untilListening) await listening;
  return { child, outcome, listening };
}

async function exitOf(args: string[]): Promise<Outcome> {
  return (await runCli(args)).outcome;
}

describe('plaza-server start errors', { timeout: 60_000 }, () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'plaza-start-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a data dir that is a file with one line and exit code 2', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const { code, stderr } = await exitOf(['--data-dir', file]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([`plaza-server: data directory ${file} is a file, not a directory`]);
  });

  it('refuses a data dir under a file with one line and exit code 2', async () => {
    const file = join(root, 'parent-file');
    writeFileSync(file, 'x');
    const { code, stderr } = await exitOf(['--data-dir', join(file, 'data')]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/a parent of it is a file/);
  });

  // Root ignores file permissions, so a read-only data dir cannot be made when the tests run as root
  // (as they do on this project's CI machines); the test runs for any other user.
  it.skipIf(isRoot)('refuses a read-only data dir with one line and exit code 2', async () => {
    const dir = join(root, 'read-only');
    mkdirSync(dir, { mode: 0o500 });
    const { code, stderr } = await exitOf(['--data-dir', dir]);
    chmodSync(dir, 0o700);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is not writable/);
  });

  it('refuses a plaza.db that is not a database, names the file and writes no keys.json', async () => {
    const dir = join(root, 'not-a-db');
    mkdirSync(dir);
    writeFileSync(join(dir, 'plaza.db'), 'this is not a database, just some text long enough to have a header'.repeat(20));
    const { code, stderr } = await exitOf(['--data-dir', dir]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(join(dir, 'plaza.db'));
    expect(stderr).toMatch(/not a Plaza SQLite database/);
    expect(existsSync(join(dir, 'keys.json'))).toBe(false);
    expect(existsSync(join(dir, 'plaza.lock'))).toBe(false);
  });

  it("says 'port N is in use' with exit code 2 when the port is busy", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await exitOf(['--data-dir', join(root, 'busy-port'), '--port', String(port)]);
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(`plaza-server: port ${port} is in use; pass --port or PLAZA_PORT`);
    } finally {
      blocker.close();
    }
  });

  it('creates the data dir and its files directory with mode 0700 and the database files with mode 0600', async () => {
    const dir = join(root, 'modes', 'data');
    const run = await runCli(['--data-dir', dir], true);
    try {
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const sub of ['files', 'files/uploads']) expect(statSync(join(dir, sub)).mode & 0o777, sub).toBe(0o700);
      for (const file of ['plaza.db', 'plaza.db-wal', 'plaza.db-shm', 'keys.json']) {
        expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
      }
    } finally {
      run.child.kill('SIGTERM');
      expect((await run.outcome).code).toBe(0);
    }
  });
});

describe('one server per data dir', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-lock-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a second server on the same data dir refuses to start (exit 2) while the first runs, and starts after it stopped', async () => {
    const first = await runCli(['--data-dir', dir], true);
    try {
      const lock = JSON.parse(readFileSync(join(dir, 'plaza.lock'), 'utf8')) as { pid: number; hostname: string };
      expect(lock).toMatchObject({ pid: first.child.pid, hostname: hostname() });
      const second = await exitOf(['--data-dir', dir]);
      expect(second.code).toBe(2);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toMatch(new RegExp(`is in use by another plaza-server \\(pid ${first.child.pid} on `));
    } finally {
      first.child.kill('SIGTERM');
      expect((await first.outcome).code).toBe(0);
    }
    expect(existsSync(join(dir, 'plaza.lock'))).toBe(false);
    const third = await runCli(['--data-dir', dir], true);
    third.child.kill('SIGTERM');
    expect((await third.outcome).code).toBe(0);
  });

  it('takes over a stale lock left by a process that died', async () => {
    // A pid that is not running: spawn a process and wait for it to end.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = dead.pid;
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(join(dir, 'plaza.lock'), JSON.stringify({ pid: deadPid, hostname: hostname(), startedAt: new Date(0).toISOString() }));
    const run = await runCli(['--data-dir', dir], true);
    expect(JSON.parse(readFileSync(join(dir, 'plaza.lock'), 'utf8'))).toMatchObject({ pid: run.child.pid });
    run.child.kill('SIGTERM');
    expect((await run.outcome).code).toBe(0);
  });
});

describe('one server per data dir in one process', () => {
  it('a second createPlazaServer on the same data dir throws StartupError until the first is closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-lock-same-'));
    const options = { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent' as const };
    try {
      const first = await createPlazaServer(options);
      await expect(createPlazaServer(options)).rejects.toBeInstanceOf(StartupError);
      await first.close();
      const again = await createPlazaServer(options);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a busy database', () => {
  it('maps SQLITE_BUSY and SQLITE_LOCKED to the retryable UNAVAILABLE, not INTERNAL', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE']) {
      const mapped = toPlazaError(Object.assign(new Error('database is locked'), { code }));
      expect(mapped).toBeInstanceOf(PlazaError);
      expect(mapped.code, code).toBe('UNAVAILABLE');
    }
    expect(toPlazaError(Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' })).code).toBe('INTERNAL');
  });

  it('a full disk (SQLITE_FULL, ENOSPC) answers the retryable UNAVAILABLE so the client keeps the message', () => {
    for (const code of ['SQLITE_FULL', 'ENOSPC', 'EDQUOT']) {
      expect(toPlazaError(Object.assign(new Error('database or disk is full'), { code })).code).toBe('UNAVAILABLE');
    }
  });

  it('a send while another connection holds the write lock fails UNAVAILABLE (retryable), not INTERNAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-busy-'));
    const filename = join(dir, 'plaza.db');
    const store = createSqliteChatStore({ filename, busyTimeoutMs: 50 });
    const other = new Database(filename);
    try {
      await store.migrate();
      const c = await store.createConversation({
        kind: 'group',
        title: 'g',
        topic: null,
        externalRef: null,
        createdBy: 'alice',
        members: [{ userId: 'alice', role: 'owner' }],
      });
      other.pragma('busy_timeout = 0');
      other.exec('BEGIN IMMEDIATE');
      const failure = await store
        .appendMessage({ conversationId: c.id, senderId: 'alice', clientId: 'k', kind: 'user', text: 'hi', replyTo: null, mentions: [] })
        .then(
          () => null,
          (e: unknown) => e,
        );
      other.exec('ROLLBACK');
      expect(toPlazaError(failure).code).toBe('UNAVAILABLE');
      // Once the lock is gone the retry succeeds.
      const retry = await store.appendMessage({ conversationId: c.id, senderId: 'alice', clientId: 'k', kind: 'user', text: 'hi', replyTo: null, mentions: [] });
      expect(retry.duplicate).toBe(false);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
