import { ErrorCode } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlazaError } from '../errors.js';
import { createLogger } from '../logger.js';
import { PlazaClient } from '../PlazaClient.js';
import type { PendingMessage } from '../events.js';
import { fastPolicy, startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';
import { startStallingProxy } from './proxy.js';

/** Settles a promise into `{ ok }` or `{ error }` so tests can inspect rejections. */
const settle = <T>(p: Promise<T>) => p.then((value) => ({ value, error: null }), (error: unknown) => ({ value: null, error }));

describe('the outbox belongs to one user and ends with the client', { timeout: 60_000 }, () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('disconnect() rejects queued and in-flight sends with DISCONNECTED, and a connect() as another user sends none of them', async () => {
    const proxy = await startStallingProxy(h.url);
    try {
      // Through a proxy that can hold the message on the wire.
      const viaProxy = new PlazaClient(proxy.url, { webSocketOnly: true, reconnectPolicy: fastPolicy, logger: createLogger('error') });
      await viaProxy.connect(await h.token('alice'));
      const conv = await viaProxy.conversations.openDirect('bob');
      await conv.send('hello bob');
      const failed: [PendingMessage, PlazaError][] = [];
      viaProxy.on('sendFailed', (m, e) => failed.push([m, e]));

      proxy.stall();
      const inFlight = settle(conv.send('in flight'));
      const queued = settle(conv.send('queued'));
      await waitFor(() => viaProxy.outbox.pending[0]?.state === 'sending', 5000, 'first message on the wire');
      await viaProxy.disconnect();

      for (const r of [await inFlight, await queued]) {
        expect(r.error).toBeInstanceOf(PlazaError);
        expect((r.error as PlazaError).code).toBe(ErrorCode.DISCONNECTED);
      }
      expect(failed.map(([m, e]) => [m.text, e.code])).toEqual([
        ['in flight', ErrorCode.DISCONNECTED],
        ['queued', ErrorCode.DISCONNECTED],
      ]);
      expect(viaProxy.outbox.pending).toEqual([]);

      // The same client object, now bob's: nothing of alice's goes out under bob's id.
      proxy.resume();
      await viaProxy.connect(await h.token('bob'));
      const bobConv = await viaProxy.conversations.get(conv.id);
      await bobConv.send('hello alice');
      await new Promise((r) => setTimeout(r, 300));
      const page = await bobConv.history({ limit: 50 });
      expect(page.messages.filter((m) => m.senderId === 'bob').map((m) => m.text)).toEqual(['hello alice']);
      await viaProxy.disconnect();
    } finally {
      await proxy.close();
    }
  });

  it('a reconnect that authenticates a different user rejects the messages the previous user queued', async () => {
    let identity = 'alice';
    const client = h.newClient();
    await client.connect(() => h.token(identity));
    const conv = await client.conversations.openDirect('bob');
    const bob = await h.client('bob');
    const failed: PlazaError[] = [];
    client.on('sendFailed', (_m, e) => failed.push(e));

    await h.stop();
    await waitFor(() => client.state === 'reconnecting', 10_000, 'client notices');
    const sends = [settle(conv.send('from alice 1')), settle(conv.send('from alice 2'))];
    identity = 'bob';
    await h.start();
    await waitFor(() => client.state === 'connected', 15_000, 'reconnected');

    for (const r of await Promise.all(sends)) {
      expect((r.error as PlazaError).code).toBe(ErrorCode.UNAUTHENTICATED);
    }
    expect(failed).toHaveLength(2);
    expect(client.user?.id).toBe('bob');
    const page = await (await bob.conversations.get(conv.id)).history({ limit: 50 });
    expect(page.messages).toEqual([]);
  });

  it('when the client gives up reconnecting, sends still queued reject instead of waiting for outboxMaxAgeMs', async () => {
    const alice = await h.client('alice', { reconnectPolicy: { nextDelayMs: (attempt) => (attempt < 2 ? 20 : null) } });
    const conv = await alice.conversations.openDirect('bob');
    const failed: PendingMessage[] = [];
    alice.on('sendFailed', (m) => failed.push(m));
    await h.stop();
    await waitFor(() => alice.state === 'reconnecting', 10_000, 'client notices');
    const pending = settle(conv.send('never sent'));
    await waitFor(() => alice.state === 'disconnected', 10_000, 'gives up');
    const r = await pending;
    expect(r.error).toBeInstanceOf(PlazaError);
    expect((r.error as PlazaError).code).toBe(ErrorCode.DISCONNECTED);
    expect(failed.map((m) => m.text)).toEqual(['never sent']);
    expect(alice.outbox.pending).toEqual([]);
    await h.start();
  });
});
