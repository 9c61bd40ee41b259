import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient } from '@plaza/client';
import { ErrorCode, PROTOCOL_VERSION } from '@plaza/protocol';
import type { ConversationWithState, HistoryPage, Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { closeRawSockets, openRawSocket, request, requestOk } from '../helpers/rawSocket.js';
import { makeTempDir, removeTempDirs } from '../helpers/tempDirs.js';
import { expiredToken, mintToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * Refusals at the door and at the rate limiter, against real server processes: handshake
 * refusals carry their WireError in `connect_error`'s `err.data`, rate limits answer
 * RATE_LIMITED with a retry delay, and a client with an expired token stays out after a restart.
 */

let server: ServerProcess;

beforeAll(async () => {
  server = await ServerProcess.start();
});

afterAll(async () => {
  closeRawSockets();
  await stopAllServers();
  removeTempDirs();
});

describe('handshake refusals reach the client as connect_error with a WireError', () => {
  async function refusalCode(options: Parameters<typeof openRawSocket>[1]): Promise<string | undefined> {
    try {
      const socket = await openRawSocket(server.url, options);
      socket.disconnect();
      return 'ACCEPTED';
    } catch (error) {
      return (error as { data?: { code?: string } }).data?.code;
    }
  }

  it('refuses a missing token with UNAUTHENTICATED', async () => {
    expect(await refusalCode({ token: undefined })).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await refusalCode({ auth: {} })).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('refuses a token with a bad signature or from an unknown API key with UNAUTHENTICATED', async () => {
    const good = await mintToken('mallory');
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await refusalCode({ token: `${header}.${payload}.${flipped}` })).toBe(ErrorCode.UNAUTHENTICATED);
    const otherSecret = await mintToken('mallory', { apiSecret: 'a-different-secret-of-at-least-32-chars!!' });
    expect(await refusalCode({ token: otherSecret })).toBe(ErrorCode.UNAUTHENTICATED);
    const unknownKey = await mintToken('mallory', { apiKey: 'PKunknown', apiSecret: 'a-different-secret-of-at-least-32-chars!!' });
    expect(await refusalCode({ token: unknownKey })).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await refusalCode({ token: 'not.a.jwt' })).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    expect(await refusalCode({ token: expiredToken('mallory') })).toBe(ErrorCode.TOKEN_EXPIRED);
  });

  it('refuses an unsupported protocol version with PROTOCOL_MISMATCH', async () => {
    const token = await mintToken('mallory');
    expect(await refusalCode({ token, protocolVersion: PROTOCOL_VERSION + 100 })).toBe(ErrorCode.PROTOCOL_MISMATCH);
    expect(await refusalCode({ token, protocolVersion: 0 })).toBe(ErrorCode.PROTOCOL_MISMATCH);
    expect(await refusalCode({ token, protocolVersion: 'one' })).toBe(ErrorCode.PROTOCOL_MISMATCH);
  });

  it('refuses an Origin that is not on the allow-list with ORIGIN_NOT_ALLOWED, on both transports', async () => {
    const token = await mintToken('mallory');
    const headers = { Origin: 'https://evil.example' };
    expect(await refusalCode({ token, headers })).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    expect(await refusalCode({ token, headers, transports: ['polling'] })).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    // Same origin as the server is allowed without listing it.
    expect(await refusalCode({ token, headers: { Origin: server.url } })).toBe('ACCEPTED');
  });
});

describe('rate limits', () => {
  let limited: ServerProcess;

  beforeAll(async () => {
    const config = join(makeTempDir('plaza-rate-'), 'config.json');
    writeFileSync(config, JSON.stringify({ rateLimits: { requests: { perSecond: 2, burst: 5 }, messages: { perSecond: 1, burst: 3 } } }));
    limited = await ServerProcess.start({ args: ['--config', config] });
  });

  it('too many requests answer RATE_LIMITED with retryAfterMs, the connection stays usable and a later request succeeds', async () => {
    const socket = await openRawSocket(limited.url, { token: await mintToken('hasty') });
    const answers = await Promise.all(Array.from({ length: 20 }, () => request(socket, 'conversation:list', {})));
    const refused = answers.filter((a) => !a.ok);
    expect(answers.some((a) => a.ok)).toBe(true);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      if (answer.ok) continue;
      expect(answer.error.code).toBe(ErrorCode.RATE_LIMITED);
      expect(answer.error.details?.retryAfterMs).toBeGreaterThan(0);
    }
    expect(socket.connected).toBe(true);
    const retryAfterMs = refused[0] && !refused[0].ok ? (refused[0].error.details?.retryAfterMs ?? 100) : 100;
    await waitFor('a request after retryAfterMs succeeds', async () => (await request(socket, 'conversation:list', {})).ok, {
      timeoutMs: 10_000,
      intervalMs: retryAfterMs,
    });
  });

  it('rate-limited messages answer RATE_LIMITED and are not stored', async () => {
    const reader = await openRawSocket(limited.url, { token: await mintToken('reader') });
    const chatty = await openRawSocket(limited.url, { token: await mintToken('chatty') });
    const group = await requestOk<ConversationWithState>(chatty, 'conversation:create', { kind: 'group', title: 'Flood', memberIds: ['reader'] });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => request<Message>(chatty, 'message:send', { conversationId: group.id, clientId: `flood-${i}`, text: `flood ${i}` })),
    );
    const stored = answers.flatMap((a) => (a.ok ? [a.data] : []));
    const refused = answers.flatMap((a) => (a.ok ? [] : [a.error]));
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error.code).toBe(ErrorCode.RATE_LIMITED);
      expect(error.details?.retryAfterMs).toBeGreaterThan(0);
    }
    const page = await requestOk<HistoryPage>(reader, 'message:history', { conversationId: group.id, afterSeq: 0, limit: 200 });
    const userMessages = page.messages.filter((m) => m.kind === 'user');
    expect(userMessages.map((m) => m.clientId).sort()).toEqual(stored.map((m) => m.clientId).sort());
    expect(chatty.connected).toBe(true);
  });
});

describe('token provider', () => {
  it('a client whose token provider starts returning an expired token cannot reconnect after a server restart', async () => {
    const restartable = await ServerProcess.start();
    let expired = false;
    const client = new PlazaClient(restartable.url, { reconnectPolicy: { nextDelayMs: (attempt) => (attempt < 100 ? 50 : null) } });
    try {
      await client.connect(() => (expired ? expiredToken('frank') : mintToken('frank')));
      expect(client.state).toBe('connected');
      const states: string[] = [];
      client.on('connectionStateChanged', (state) => states.push(state));
      expired = true;
      await restartable.kill('SIGKILL');
      await waitFor('the client to notice the server is gone', () => client.state !== 'connected');
      await restartable.restart();
      // The restarted process counts refusals from zero: a TOKEN_EXPIRED one is this client's.
      await waitFor(
        'the restarted server to refuse the expired token',
        async () => /plaza_connection_refusals_total\{[^}]*reason="TOKEN_EXPIRED"[^}]*\} [1-9]/.test(await (await fetch(`${restartable.url}/metrics`)).text()),
        { timeoutMs: 15_000, intervalMs: 50, describe: () => `states: ${states.join(',')}\n${restartable.tail()}` },
      );
      expect(client.state).not.toBe('connected');
      expect(states).not.toContain('connected');
    } finally {
      await client.disconnect();
    }
  });
});
