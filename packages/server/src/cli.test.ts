import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Running {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  listening: { port: number; url: string };
}

function startCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 20 s; stderr: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`exited early with ${code}; stderr: ${stderr}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          lines.push(parsed);
          if (parsed.msg === 'listening') {
            clearTimeout(timer);
            child.removeAllListeners('exit');
            resolve({ child, lines, listening: { port: parsed.port as number, url: parsed.url as string } });
          }
        } catch {
          // not a JSON line
        }
      }
    });
  });
}

/** Pids of a process's mediasoup-worker children. */
function childPids(pid: number): number[] {
  const result = spawnSync('pgrep', ['-P', String(pid), '-f', 'mediasoup-worker'], { encoding: 'utf8' });
  return result.stdout.split('\n').filter(Boolean).map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

describe('plaza-server CLI', { timeout: 30_000 }, () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'plaza-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('generates a key pair on first start, logs listening, serves health and exits 0 on SIGTERM', async () => {
    const run = await startCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'info']);
    expect(run.listening.port).toBeGreaterThan(0);
    expect(run.listening.url).toBe(`http://127.0.0.1:${run.listening.port}`);
    const keysFile = join(dataDir, 'keys.json');
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as { apiKey: string; apiSecret: string };
    expect(keys.apiSecret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    expect(run.lines.some((l) => l.apiKey === keys.apiKey)).toBe(true);
    expect((await fetch(`${run.listening.url}/healthz`)).status).toBe(200);
    expect(existsSync(join(dataDir, 'plaza.db'))).toBe(true);
    expect(await stop(run.child, 'SIGTERM')).toBe(0);
  });

  it('reuses the key pair on the next start and prints it no more; SIGINT exits 0', async () => {
    const run = await startCli(['--port', '0', '--host', '127.0.0.1'], { PLAZA_DATA_DIR: dataDir });
    expect(run.lines.some((l) => 'apiSecret' in l)).toBe(false);
    expect(await stop(run.child, 'SIGINT')).toBe(0);
  });

  it('starts the media workers as child processes and stops them on SIGTERM; --no-calls starts none', async () => {
    const run = await startCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--media-workers', '1', '--rtc-listen-ip', '127.0.0.1']);
    const workers = childPids(run.child.pid!);
    expect(workers.length).toBe(1);
    const metrics = await (await fetch(`${run.listening.url}/metrics`)).text();
    expect(metrics).toMatch(/plaza_media_objects\{type="worker"\} 1/);
    expect(await stop(run.child, 'SIGTERM')).toBe(0);
    // The worker got SIGTERM from the server's shutdown; it exits on its own a moment later.
    await vi.waitFor(() => {
      for (const pid of workers) expect(isAlive(pid), `worker ${pid} stopped`).toBe(false);
    }, { timeout: 5000 });
    const off = await startCli(['--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--no-calls']);
    expect(childPids(off.child.pid!)).toEqual([]);
    expect(await stop(off.child, 'SIGTERM')).toBe(0);
  });

  it('exits 2 with a clear message on a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', '--port', 'x'], { cwd: repoRoot });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--port');
  });

  it('exits 2 at startup on an ICE server URL that is not a stun:/turn: URI', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli.ts', '--port', '0', '--ice-servers', '[{"urls":"stun.example.org"}]'], { cwd: repoRoot });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('iceServers.0.urls');
  });
});
