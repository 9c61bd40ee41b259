import { AccessToken } from '@plaza/server-sdk';
import { PROTOCOL_VERSION, type Ack, type ConversationWithState, type Message } from '@plaza/protocol';
import type { ServerProcess } from '../lib/ServerProcess.js';
import { connectSocket, mapLimit, request, type LoadSocket } from './sockets.js';

/** Called for every message a load client receives, with the message text. */
export type Receiver = (text: string) => void;
/** Called when a send is acknowledged; `error` is a code when it failed. */
export type SendDone = (error?: string) => void;

/**
 * One system under test with a fleet of connected load clients: the plain socket.io baseline or
 * Plaza. Group `n` is a room/conversation whose members are clients `0..n-1`.
 */
export interface FanoutTarget {
  /** 'plain' or 'Plaza'. */
  readonly name: string;
  /** The server process (for CPU readings). */
  readonly server: ServerProcess;
  /** Routes every received message of the fleet to `receiver` (or drops it). */
  setReceiver(receiver: Receiver | null): void;
  /** JSON size of the payload of one received benchmark message (not a probe), in bytes. */
  readonly payloadBytes: number;
  /** Client `sender` sends `text` to group `n`; `done` runs on its ack. */
  send(n: number, sender: number, text: string, clientId: string, done: SendDone): void;
}

const CONNECT_CONCURRENCY = 50;

/** The baseline fleet: bare socket.io clients joined to rooms `g<n>` of the plain server. */
export class PlainTarget implements FanoutTarget {
  readonly name = 'plain';
  readonly server: ServerProcess;
  readonly sockets: LoadSocket[];
  #receiver: Receiver | null = null;

  private constructor(server: ServerProcess, sockets: LoadSocket[]) {
    this.server = server;
    this.sockets = sockets;
    for (const socket of sockets) {
      socket.on('msg', (payload: { text: string }) => {
        if (this.#receiver && this.payloadBytes === 0 && !payload.text.startsWith('probe')) this.payloadBytes = Buffer.byteLength(JSON.stringify(payload));
        this.#receiver?.(payload.text);
      });
    }
  }

  payloadBytes = 0;

  /** Connects `count` clients and joins client `i` to every group `n` in `groups` with `i < n`. */
  static async create(server: ServerProcess, count: number, groups: readonly number[]): Promise<PlainTarget> {
    const sockets = await mapLimit(Array.from({ length: count }, (_, i) => i), CONNECT_CONCURRENCY, async (i) => {
      const socket = await connectSocket(server.url);
      for (const n of groups) if (i < n) await request(socket, 'join', `g${n}`);
      return socket;
    });
    return new PlainTarget(server, sockets);
  }

  setReceiver(receiver: Receiver | null): void {
    this.#receiver = receiver;
  }

  send(n: number, sender: number, text: string, _clientId: string, done: SendDone): void {
    (this.sockets[sender] as LoadSocket).emit('bcast', `g${n}`, { from: sender, text }, () => done());
  }

  /** Closes every client. */
  close(): void {
    for (const socket of this.sockets) socket.close();
  }
}

/** Credentials the Plaza server under test is started with. */
export interface PlazaCredentials {
  apiKey: string;
  apiSecret: string;
}

/** The user id of load client `i`. */
export function benchUserId(i: number): string {
  return `bench-u${i}`;
}

/**
 * The Plaza fleet: raw socket.io-client sockets speaking the Plaza protocol (handshake token,
 * `message:send` with acks, `message:new` fan-out), one authenticated socket per user.
 */
export class PlazaTarget implements FanoutTarget {
  readonly name = 'Plaza';
  readonly server: ServerProcess;
  readonly sockets: LoadSocket[];
  /** Conversation id of group `n`. */
  readonly groups = new Map<number, string>();
  #receiver: Receiver | null = null;

  private constructor(server: ServerProcess, sockets: LoadSocket[]) {
    this.server = server;
    this.sockets = sockets;
    for (const socket of sockets) {
      socket.on('message:new', (message: Message) => {
        if (this.#receiver && this.payloadBytes === 0 && !message.text.startsWith('probe')) this.payloadBytes = Buffer.byteLength(JSON.stringify(message));
        this.#receiver?.(message.text);
      });
    }
  }

  payloadBytes = 0;

  /** Connects `count` users (`bench-u0…`), each with its own token and socket. */
  static async create(server: ServerProcess, credentials: PlazaCredentials, count: number): Promise<PlazaTarget> {
    const sockets = await mapLimit(Array.from({ length: count }, (_, i) => i), CONNECT_CONCURRENCY, async (i) => {
      const token = await new AccessToken(credentials.apiKey, credentials.apiSecret, { identity: benchUserId(i), ttl: '2h' }).toJwt();
      return connectSocket(server.url, { token, protocolVersion: PROTOCOL_VERSION, sdk: 'plaza-bench' });
    });
    return new PlazaTarget(server, sockets);
  }

  /** Client 0 creates a group conversation whose members are clients `0..n-1`. */
  async createGroup(n: number): Promise<string> {
    const memberIds = Array.from({ length: n - 1 }, (_, i) => benchUserId(i + 1));
    const conversation = unwrap(
      await request<Ack<ConversationWithState>>(this.sockets[0] as LoadSocket, 'conversation:create', {
        kind: 'group',
        title: `bench group of ${n}`,
        memberIds,
      }),
      'conversation:create',
    );
    this.groups.set(n, conversation.id);
    return conversation.id;
  }

  setReceiver(receiver: Receiver | null): void {
    this.#receiver = receiver;
  }

  send(n: number, sender: number, text: string, clientId: string, done: SendDone): void {
    const conversationId = this.groups.get(n) as string;
    (this.sockets[sender] as LoadSocket).emit('message:send', { conversationId, clientId, text }, (ack: Ack<Message>) =>
      done(ack.ok ? undefined : ack.error.code),
    );
  }

  /** Closes every client. */
  close(): void {
    for (const socket of this.sockets) socket.close();
  }
}

/** The data of a successful ack, or an error naming the request. */
export function unwrap<T>(ack: Ack<T>, what: string): T {
  if (!ack.ok) throw new Error(`${what} failed: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}
