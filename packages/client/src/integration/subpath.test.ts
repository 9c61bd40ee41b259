import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { PlazaClient } from '../PlazaClient.js';
import { startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { startPrefixProxy } from './proxy.js';

describe('a server behind a reverse proxy under a sub-path', { timeout: 60_000 }, () => {
  let h: Harness;
  let proxy: { url: string; close(): Promise<void> };
  beforeEach(async () => {
    h = await startHarness();
    proxy = await startPrefixProxy(h.url, '/plaza');
  });
  afterEach(async () => {
    await proxy.close();
    await h.close();
  });

  for (const webSocketOnly of [false, true]) {
    it(`a url with a path connects through <path>/socket.io (${webSocketOnly ? 'WebSocket only' : 'polling, then WebSocket'})`, async () => {
      for (const url of [`${proxy.url}/plaza`, `${proxy.url}/plaza/`]) {
        const client = new PlazaClient(url, { webSocketOnly, logger: createLogger('error') });
        try {
          await client.connect(await h.token('alice'));
          const conv = await client.conversations.openDirect('bob');
          expect((await conv.send('through the proxy')).text).toBe('through the proxy');
        } finally {
          await client.disconnect();
        }
      }
    });
  }

  it('uploads and signed-URL downloads stay under the path of the url (Location and signed URLs get the prefix)', async () => {
    const client = new PlazaClient(`${proxy.url}/plaza`, { uploadChunkBytes: 64 * 1024, logger: createLogger('error') });
    try {
      await client.connect(await h.token('alice'));
      const conv = await client.conversations.openDirect('bob');
      // Several chunks: the POST, then PATCHes to the Location the server answered with.
      const bytes = Buffer.from('lamp out at pole 17\n'.repeat(10_000));
      const message = await conv.sendFile(bytes, { name: 'report.txt' }).done;
      const [attachment] = message.attachments;
      expect(attachment?.size).toBe(bytes.length);
      const url = await client.files.url(attachment?.fileId as string);
      expect(url.startsWith(`${proxy.url}/plaza/files/`)).toBe(true);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      await client.disconnect();
    }
  });

  it('an explicit path option wins over the path of the url', async () => {
    const client = new PlazaClient(proxy.url, { path: '/plaza/socket.io', webSocketOnly: true, logger: createLogger('error') });
    try {
      await client.connect(await h.token('alice'));
      expect(client.state).toBe('connected');
    } finally {
      await client.disconnect();
    }
  });

  it('a string that is not an absolute http(s) or ws(s) url throws TypeError in the constructor', () => {
    for (const url of ['not a url', '/plaza', 'ftp://host', 'https://host/plaza?x=1']) {
      expect(() => new PlazaClient(url)).toThrow(TypeError);
    }
  });
});
