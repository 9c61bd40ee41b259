import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TrackSource } from '@plaza/protocol';
import { REPO_ROOT } from './ServerProcess.js';

/**
 * Node WebRTC call participants for integration tests, each in its own child process
 * (`test/fixtures/callBot.ts`: `@plaza/client` on `@roamhq/wrtc`). A process that carried wrtc
 * media must end with `process.exit()`, so it never runs inside the vitest worker.
 */

const FIXTURE = 'test/fixtures/callBot.ts';

/** An event line a bot reported (`participantJoined`, `trackSubscribed`, `ringing`, …). */
export interface BotEvent {
  event: string;
  [field: string]: unknown;
}

/** What a bot receives on one remote track. */
export interface BotTrackStats {
  trackId: string;
  participantId: string;
  userId: string;
  source: TrackSource;
  kind: 'audio' | 'video';
  /** Decoded video frames, or 10 ms audio chunks, since it was subscribed. */
  frames: number;
  /** Milliseconds since the last frame or chunk; null before the first. */
  msSinceLast: number | null;
  width: number;
  height: number;
}

/** A failed bot command: the SDK's error code (`PERMISSION_DENIED`, …) and message. */
export class BotCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'BotCommandError';
  }
}

const running = new Set<CallBot>();

/** One bot process. Send it commands, read its events, `exit()` or `kill()` it. */
export class CallBot {
  /** Every event the bot reported so far, in order. */
  readonly events: BotEvent[] = [];
  /** The bot's stderr and unparsed stdout, for failure messages. */
  output = '';
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #nextId = 1;

  private constructor(readonly name: string) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve({ code, signal })));
    this.#exited.then(({ code, signal }) => {
      running.delete(this);
      for (const { reject } of this.#pending.values()) reject(new Error(`bot ${name} exited (code=${code} signal=${signal})\n${this.tail()}`));
      this.#pending.clear();
    });
    this.#child.stdin!.on('error', () => {}); // writing to a killed bot
    this.#child.stderr!.on('data', (chunk: Buffer) => this.#append(chunk.toString('utf8')));
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#line(line));
  }

  /** Starts a bot process and waits until it is ready for commands. */
  static async start(name: string, timeoutMs = 20_000): Promise<CallBot> {
    const bot = new CallBot(name);
    running.add(bot);
    await bot.waitForEvent((e) => e.event === 'ready', timeoutMs, 'ready');
    return bot;
  }

  /** The bot's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the process still runs. */
  get alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends a command and resolves with its result; rejects with {@link BotCommandError}. */
  command<T = unknown>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`bot ${this.name}: '${cmd}' got no answer within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value as T)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      this.#child.stdin!.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  }

  /** Connects to the server with `token`; resolves with the user id. */
  connect(url: string, token: string): Promise<{ userId: string }> {
    return this.command('connect', { url, token });
  }

  /** Joins the conversation's call (`participantId`: take over that participant of the same user). */
  join(conversationId: string, options: { autoSubscribe?: boolean; participantId?: string } = {}): Promise<{ callId: string; participantId: string }> {
    return this.command('join', { conversationId, ...options });
  }

  /** Publishes generated media: VP8 video (camera/screen) or a tone (microphone/screen-audio). */
  publish(source: TrackSource, options: { width?: number; height?: number; fps?: number } = {}): Promise<{ trackId: string }> {
    return this.command('publish', { source, ...options });
  }

  /** `call.sendData(message)` for each message, in order, in one go. */
  sendData(...messages: string[]): Promise<Record<string, never>> {
    return this.command('sendData', { messages });
  }

  /** What it receives, per remote track. */
  async stats(): Promise<{ state: string | null; tracks: BotTrackStats[] }> {
    return this.command('stats');
  }

  /** Waits for the first event (already seen or future) that matches. */
  async waitForEvent(match: (event: BotEvent) => boolean, timeoutMs = 10_000, what = 'an event'): Promise<BotEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (!this.alive) throw new Error(`bot ${this.name} exited while waiting for ${what}\n${this.tail()}`);
      if (Date.now() > deadline) {
        throw new Error(`bot ${this.name}: no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.slice(-20))}\n${this.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Waits until every track matched by `match` has received at least `minNew` frames more than
   * when the wait began (and at least `count` such tracks exist). Resolves with the last stats.
   */
  async waitForFlowing(
    match: (track: BotTrackStats) => boolean,
    options: { count?: number; minNew?: number; timeoutMs?: number } = {},
  ): Promise<BotTrackStats[]> {
    const { count = 1, minNew = 5, timeoutMs = 15_000 } = options;
    const start = new Map<string, number>();
    const deadline = Date.now() + timeoutMs;
    let last: BotTrackStats[] = [];
    for (;;) {
      last = (await this.stats()).tracks.filter(match);
      for (const t of last) if (!start.has(t.trackId)) start.set(t.trackId, t.frames);
      const flowing = last.filter((t) => t.frames - (start.get(t.trackId) ?? 0) >= minNew);
      if (last.length >= count && flowing.length === last.length) return last;
      if (Date.now() > deadline) {
        throw new Error(`bot ${this.name}: ${count} track(s) not flowing within ${timeoutMs} ms; stats ${JSON.stringify(last)}\n${this.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Closes everything in the bot and waits for its `process.exit(0)`. */
  async exit(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) {
      this.command('exit').catch(() => {});
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
      const result = await this.#exited;
      clearTimeout(timer);
      return result;
    }
    return this.#exited;
  }

  /** Sends a signal (SIGKILL by default) and waits for the process to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.#child.kill(signal);
    return this.#exited;
  }

  /** The last `chars` characters of the bot's stderr. */
  tail(chars = 3000): string {
    return `--- bot ${this.name} output (tail) ---\n${this.output.slice(-chars)}`;
  }

  #append(text: string): void {
    this.output = (this.output + text).slice(-200_000);
  }

  #line(line: string): void {
    let message: { id?: number; ok?: boolean; result?: unknown; error?: { code: string; message: string }; event?: string };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      this.#append(`${line}\n`);
      return;
    }
    if (typeof message.event === 'string') {
      this.events.push(message as BotEvent);
      return;
    }
    if (typeof message.id !== 'number') {
      this.#append(`${line}\n`);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new BotCommandError(message.error?.code ?? 'ERROR', message.error?.message ?? 'unknown error'));
  }
}

/** Ends every bot still running (politely, then by SIGKILL). */
export async function stopAllBots(): Promise<void> {
  await Promise.all([...running].map((bot) => bot.exit(5000)));
}

process.once('exit', () => {
  for (const bot of running) {
    try {
      if (bot.alive && bot.pid) process.kill(bot.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
