import { PROTOCOL_VERSION } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

describe('connection state recovery', { timeout: 15_000 }, () => {
  let t: TestServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await t.close();
  });

  function reconnecting(tokens: () => Promise<string>): Socket {
    const socket = io(t.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 50,
      auth: (cb) => {
        void tokens().then((token) => cb({ token, protocolVersion: PROTOCOL_VERSION }));
      },
    });
    sockets.push(socket);
    return socket;
  }

  function dropTransport(socket: Socket): void {
    const serverSocket = [...t.server.io.of('/').sockets.values()].find((s) => s.id === socket.id);
    if (!serverSocket) throw new Error('server socket not found');
    serverSocket.conn.close();
  }

  it('a recovered session gets the messages sent while it was away', async () => {
    const ana = reconnecting(() => t.token('rec-ana'));
    await new Promise<void>((resolve) => ana.once('connect', () => resolve()));
    const ben = await t.connect('rec-ben');
    const cid = (await ok(ben, 'conversation:create', { kind: 'group', title: 'Recovery', memberIds: ['rec-ana'] })).id;
    await ok(ana, 'conversation:get', { conversationId: cid });
    const received: Message[] = [];
    ana.on('message:new', (m: Message) => received.push(m));

    const away = new Promise((resolve) => ana.once('disconnect', resolve));
    dropTransport(ana);
    await away;
    await ok(ben, 'message:send', { conversationId: cid, clientId: 'while-away', text: 'you were away' });
    await new Promise<void>((resolve) => ana.once('connect', () => resolve()));
    expect(ana.recovered).toBe(true);
    await ok(ana, 'session:hello', {});
    expect(received.map((m) => m.clientId)).toContain('while-away');
  });

  it('checks the token again on recovery and refuses a bad one', async () => {
    let calls = 0;
    const ana = reconnecting(async () => (++calls === 1 ? t.token('rec-cy') : 'not-a-token'));
    await new Promise<void>((resolve) => ana.once('connect', () => resolve()));
    const refused = new Promise<{ data?: { code?: string } }>((resolve) => ana.once('connect_error', resolve));
    dropTransport(ana);
    const error = await refused;
    ana.disconnect();
    expect(error.data?.code).toBe('UNAUTHENTICATED');
  });
});
