import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Options of {@link ServerProcess.start}. */
export interface ServerProcessOptions {
  /** A name for messages. */
  name: string;
  /** Arguments to `node`. */
  args: string[];
  /** Working directory. */
  cwd: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** How long to wait for the listening line. @default 30000 */
  startTimeoutMs?: number;
}

/**
 * A server under test, run as a separate Node child process so that its CPU time can be read from
 * `/proc/<pid>/stat`. It must print a JSON line with `"msg":"listening"` and a numeric `port`.
 */
export class ServerProcess {
  readonly name: string;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #log: string[];

  private constructor(name: string, port: number, child: ChildProcess, log: string[]) {
    this.name = name;
    this.port = port;
    this.#child = child;
    this.#log = log;
  }

  /** Starts `node <args>` and resolves once it has logged that it listens. */
  static start(options: ServerProcessOptions): Promise<ServerProcess> {
    const child = spawn(process.execPath, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    const remember = (line: string) => {
      log.push(line);
      if (log.length > 200) log.shift();
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${options.name} did not log "listening" in time:\n${log.join('\n')}`));
      }, options.startTimeoutMs ?? 30_000);
      let started = false;
      createInterface({ input: child.stderr! }).on('line', remember);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        remember(line);
        if (started || !line.includes('"listening"')) return;
        try {
          const parsed = JSON.parse(line) as { msg?: string; port?: unknown };
          if (parsed.msg === 'listening' && typeof parsed.port === 'number') {
            started = true;
            clearTimeout(timer);
            resolve(new ServerProcess(options.name, parsed.port, child, log));
          }
        } catch {
          // not JSON; keep waiting
        }
      });
      child.once('exit', (code, signal) => {
        if (started) return;
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (${code ?? signal}) before listening:\n${log.join('\n')}`));
      });
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid as number;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** CPU time (user + system) the process has used so far, in milliseconds (10 ms resolution). */
  cpuMs(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
  }

  /** Resident memory in MiB. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  }

  /** The last lines the process printed. */
  recentLog(): string {
    return this.#log.join('\n');
  }

  /** Sends SIGTERM and waits for exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
