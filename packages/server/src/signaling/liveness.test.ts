import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

/** The engine.io open packet of a polling handshake: what every client is told about pings. */
async function openPacket(url: string): Promise<{ pingInterval: number; pingTimeout: number }> {
  const body = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text();
  expect(body.startsWith('0')).toBe(true);
  return JSON.parse(body.slice(1)) as { pingInterval: number; pingTimeout: number };
}

describe('liveness pings', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('tells clients to expect a ping every 10 s and to give up 10 s later, so a stalled server is noticed within ~20 s', async () => {
    t = await startTestServer();
    expect(await openPacket(t.url)).toMatchObject({ pingInterval: 10_000, pingTimeout: 10_000 });
  });

  it('uses pingIntervalMs and pingTimeoutMs from the configuration', async () => {
    t = await startTestServer({ pingIntervalMs: 3000, pingTimeoutMs: 2000 });
    expect(await openPacket(t.url)).toMatchObject({ pingInterval: 3000, pingTimeout: 2000 });
  });
});
