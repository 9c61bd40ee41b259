import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, NodeClientConfig, ParentMessage } from './nodeSide.js';
import type { RtpCounters } from './nodeWebrtc.js';

const SCRIPT = fileURLToPath(new URL('./node-client.ts', import.meta.url));

/** Counters one child reported. */
export interface ChildCounters {
  frames: number[];
  pushed: number;
  rtp: RtpCounters;
}

/** One `node-client.ts` child process (publisher or a group of subscribers). */
export class NodeClientProcess {
  readonly #child: ChildProcess;
  readonly #waiters: ((m: ChildMessage) => boolean)[] = [];
  readonly #exited: Promise<void>;
  #error: string | undefined;

  constructor(config: NodeClientConfig, cwd: string, log: (line: string) => void) {
    this.#child = fork(SCRIPT, [JSON.stringify(config)], { cwd, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(`  [${config.role} ${config.firstIndex}] ${line}`);
    };
    this.#child.stdout?.on('data', forward);
    this.#child.stderr?.on('data', forward);
    this.#child.on('message', (m: ChildMessage) => {
      if (m.type === 'error') this.#error = m.message;
      for (let i = 0; i < this.#waiters.length; i++) {
        if ((this.#waiters[i] as (m: ChildMessage) => boolean)(m)) this.#waiters.splice(i--, 1);
      }
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
  }

  /** The child's pid. */
  get pid(): number {
    return this.#child.pid as number;
  }

  #next<T extends ChildMessage['type']>(type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${type}' from child ${this.pid} within ${timeoutMs} ms${this.#error ? `: ${this.#error}` : ''}`)), timeoutMs);
      this.#waiters.push((m) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          reject(new Error(m.message));
          return true;
        }
        if (m.type !== type) return false;
        clearTimeout(timer);
        resolve(m as Extract<ChildMessage, { type: T }>);
        return true;
      });
      void this.#exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`child ${this.pid} exited before '${type}'${this.#error ? `: ${this.#error}` : ''}`));
      });
    });
  }

  /** Resolves when the child has published / subscribed everything. */
  ready(timeoutMs = 90_000): Promise<{ subscribed: number; errors: string[] }> {
    return this.#next('ready', timeoutMs);
  }

  /** The child's cumulative counters now. */
  async counters(): Promise<ChildCounters> {
    const answer = this.#next('counters', 15_000);
    this.#send({ cmd: 'counters' });
    const { frames, pushed, rtp } = await answer;
    return { frames, pushed, rtp };
  }

  #send(message: ParentMessage): void {
    if (this.#child.connected) this.#child.send(message);
  }

  /** Asks the child to close everything and exit; kills it if it takes too long. */
  async close(timeoutMs = 15_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#send({ cmd: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
