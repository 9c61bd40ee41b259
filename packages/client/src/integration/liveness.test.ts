import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../events.js';
import { createLogger } from '../logger.js';
import { PlazaClient } from '../PlazaClient.js';
import { fastPolicy, startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';
import { startStallingProxy } from './proxy.js';
import type { StallingProxy } from './proxy.js';

describe('a stalled server (socket open, no answers)', { timeout: 60_000 }, () => {
  let h: Harness;
  let proxy: StallingProxy;
  beforeEach(async () => {
    h = await startHarness();
    proxy = await startStallingProxy(h.url);
  });
  afterEach(async () => {
    await proxy.close();
    await h.close();
  });

  it('an unanswered request marks the connection suspect: the client reconnects and the outbox resends once on the fresh connection', async () => {
    const alice = new PlazaClient(proxy.url, { webSocketOnly: true, requestTimeoutMs: 800, reconnectPolicy: fastPolicy, logger: createLogger('error') });
    try {
      await alice.connect(await h.token('alice'));
      const conv = await alice.conversations.openDirect('bob');
      await conv.send('before the stall');
      const states: ConnectionState[] = [];
      alice.on('connectionStateChanged', (s) => states.push(s));

      // Bytes stop flowing both ways, as with a server process stopped by SIGSTOP.
      proxy.stall();
      const sent = conv.send('during the stall');
      await waitFor(() => states.includes('reconnecting'), 5000, 'the client gives up on the stalled connection');
      expect(states[0]).toBe('reconnecting');
      proxy.resume();

      const stored = await sent;
      expect(stored.text).toBe('during the stall');
      expect(alice.state).toBe('connected');
      const bob = await h.client('bob');
      const page = await (await bob.conversations.get(conv.id)).history({ limit: 50 });
      expect(page.messages.map((m) => m.text)).toEqual(['before the stall', 'during the stall']);
    } finally {
      await alice.disconnect();
    }
  });
});
