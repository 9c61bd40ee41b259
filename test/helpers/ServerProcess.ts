import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_API_KEY, TEST_API_SECRET } from './tokens.js';
import { makeTempDir } from './tempDirs.js';

/** The repository root: servers run from here so tsx maps `@plaza/*` through the root tsconfig. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = 'packages/server/src/cli.ts';
const MAX_OUTPUT = 4 * 1024 * 1024;

/** Options of {@link ServerProcess.start}. */
export interface ServerProcessOptions {
  /** Data directory. @default a new temp dir, removed by `stop()` */
  dataDir?: string;
  /** Port. @default 0 (any free port; `restart()` reuses the one it got) */
  port?: number;
  /** Host. @default '127.0.0.1' */
  host?: string;
  /** Extra CLI flags, after the defaults. */
  args?: string[];
  /**
   * Extra environment variables (`undefined` removes one). `PLAZA_MEDIA_WORKERS=1` and
   * `PLAZA_RTC_LISTEN_IP=127.0.0.1` are set unless given here.
   */
  env?: Record<string, string | undefined>;
  /** Pass `--port/--host/--data-dir` flags. Off to test config/env precedence. @default true */
  defaultFlags?: boolean;
  /** Set `PLAZA_API_KEY`/`PLAZA_API_SECRET` to the test pair. @default true */
  testKeys?: boolean;
  /** Give up waiting for the "listening" log line after this long. @default 30000 */
  startTimeoutMs?: number;
}

/** How a server process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<ServerProcess>();

/**
 * A real `plaza-server` process started from source (`node --import tsx packages/server/src/cli.ts`),
 * with its output captured. `kill()` it, `restart()` it on the same port and data dir, and `stop()`
 * it (or {@link stopAllServers}) when done; process exit kills any left over.
 */
export class ServerProcess {
  readonly dataDir: string;
  readonly host: string;
  /** The port it listens on (fixed after the first start). */
  port: number;
  /** `http://host:port`, from the "listening" log line. */
  url = '';
  /** Number of times it was started. */
  starts = 0;
  #child: ChildProcess | undefined;
  #exit: Promise<ExitInfo> | undefined;
  #output = '';
  readonly #options: ServerProcessOptions;

  private constructor(options: ServerProcessOptions) {
    this.#options = options;
    this.dataDir = options.dataDir ?? makeTempDir('plaza-server-');
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
  }

  /** Starts a server and resolves once it logged that it is listening. */
  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const server = new ServerProcess(options);
    running.add(server);
    await server.#spawn();
    return server;
  }

  /** Everything the process wrote to stdout and stderr, over all its starts. */
  get output(): string {
    return this.#output;
  }

  /** The last `chars` characters of the output, for failure messages. */
  tail(chars = 4000): string {
    return `--- server output (tail) ---\n${this.#output.slice(-chars)}`;
  }

  /** The output's JSON log lines, parsed (other lines skipped). */
  logs(): Record<string, unknown>[] {
    const lines: Record<string, unknown>[] = [];
    for (const line of this.#output.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    return lines;
  }

  /** Whether the process is running. */
  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The process id of the current run. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves when the current run ends. */
  exited(): Promise<ExitInfo> {
    if (!this.#exit) return Promise.resolve({ code: null, signal: null });
    return this.#exit;
  }

  /** Sends `signal` and resolves with how the process ended. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<ExitInfo> {
    const child = this.#child;
    if (!child || !this.alive) return this.exited();
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server pid ${child.pid} did not exit ${timeoutMs} ms after ${signal}\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts the process again on the same port and data dir (after `kill()`). */
  async restart(): Promise<void> {
    if (this.alive) throw new Error('restart() while the server is still running; kill() it first');
    // Just after a kill the port may still be held for an instant; retry briefly on EADDRINUSE.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#spawn();
        return;
      } catch (error) {
        if (attempt >= 20 || !/EADDRINUSE/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Kills the process if it runs. Temp dirs are removed by `removeTempDirs()`. */
  async stop(): Promise<void> {
    running.delete(this);
    if (this.alive) await this.kill('SIGKILL');
  }

  #args(): string[] {
    const defaults =
      this.#options.defaultFlags === false ? [] : ['--port', String(this.port), '--host', this.host, '--data-dir', this.dataDir];
    return ['--import', 'tsx', CLI, ...defaults, ...(this.#options.args ?? [])];
  }

  #env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      // Keep the test hermetic: no PLAZA_* settings leak in from the shell.
      if (!key.startsWith('PLAZA_')) env[key] = value;
    }
    if (this.#options.testKeys !== false) {
      env.PLAZA_API_KEY = TEST_API_KEY;
      env.PLAZA_API_SECRET = TEST_API_SECRET;
    }
    // One media worker on loopback: the machine is small and tests keep media on 127.0.0.1.
    env.PLAZA_MEDIA_WORKERS = '1';
    env.PLAZA_RTC_LISTEN_IP = '127.0.0.1';
    for (const [key, value] of Object.entries(this.#options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  #spawn(): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, this.#args(), { cwd: REPO_ROOT, env: this.#env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#output += `\n=== start #${this.starts} pid ${child.pid} ===\n`;
    this.#exit = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.#output += `\n=== pid ${child.pid} exited code=${code} signal=${signal} ===\n`;
        resolve({ code, signal });
      });
    });
    const timeoutMs = this.#options.startTimeoutMs ?? 30_000;

    return new Promise<void>((resolve, reject) => {
      let pending = '';
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          child.kill('SIGKILL');
          reject(error);
        } else resolve();
      };
      const timer = setTimeout(() => settle(new Error(`server did not log "listening" within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
      const append = (chunk: Buffer) => {
        this.#output += chunk.toString('utf8');
        if (this.#output.length > MAX_OUTPUT) this.#output = this.#output.slice(-MAX_OUTPUT / 2);
      };
      child.stdout!.on('data', (chunk: Buffer) => {
        append(chunk);
        if (settled) return;
        pending += chunk.toString('utf8');
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          const listening = parseListening(line);
          if (listening) {
            this.port = listening.port;
            this.url = listening.url;
            settle();
            return;
          }
        }
      });
      child.stderr!.on('data', append);
      child.once('exit', (code, signal) => settle(new Error(`server exited (code=${code} signal=${signal}) before listening\n${this.tail()}`)));
      child.once('error', (error) => settle(error));
    });
  }
}

function parseListening(line: string): { port: number; url: string } | null {
  if (!line.includes('"listening"')) return null;
  try {
    const record = JSON.parse(line) as { msg?: unknown; port?: unknown; url?: unknown };
    if (record.msg === 'listening' && typeof record.port === 'number' && typeof record.url === 'string') {
      return { port: record.port, url: record.url };
    }
  } catch {
    // not JSON
  }
  return null;
}

/** Kills every server process started by this worker that is still running. */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

process.once('exit', () => {
  for (const server of running) {
    if (server.alive && server.pid) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});
