import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { sha256Hex, walkFiles } from '../helpers/files.js';
import { waitFor, within } from '../helpers/waitFor.js';
import { join } from 'node:path';

/**
 * A large upload through the real client survives a server crash: the server is SIGKILLed while
 * the upload is in flight and restarted on the same port and data dir; the client resumes by
 * itself from the stored offset (not from zero), the message with the attachment arrives at the
 * other member, and the bytes downloaded through a signed URL hash to the source's SHA-256.
 */

const SIZE = 80 * 1024 * 1024;

let server: ServerProcess;
const clients: PlazaClient[] = [];

function client(): PlazaClient {
  const plaza = new PlazaClient(server.url, { logger: silentLogger, reconnectPolicy: { nextDelayMs: () => 200 } });
  clients.push(plaza);
  return plaza;
}

beforeAll(async () => {
  server = await ServerProcess.start();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await stopAllServers();
  removeTempDirs();
});

describe('upload across a server crash', () => {
  it('resumes by itself after SIGKILL + restart and the downloaded bytes have the source SHA-256', async () => {
    // A PDF header, so that the sniffer accepts it (random bytes alone are application/octet-stream).
    const source = randomBytes(SIZE);
    source.write('%PDF-1.7\n', 0, 'latin1');
    const sourceHash = sha256Hex(source);

    const sender = client();
    await sender.connect(() => mintToken('uploader'));
    const receiver = client();
    await receiver.connect(() => mintToken('viewer'));
    const conv = await sender.conversations.openDirect('viewer');
    const receiverConv = await receiver.conversations.openDirect('uploader');
    const received: Message[] = [];
    receiverConv.on('message', (m: Message) => received.push(m));

    const progress: { bytesSent: number; bytesTotal: number | null; start: number }[] = [];
    let killAt: number | undefined;
    let killed: Promise<unknown> | undefined;
    const handle = conv.sendFile(source, {
      name: 'survey-export.pdf',
      text: 'the survey export',
      onProgress: (p) => {
        progress.push({ ...p, start: server.starts });
        // Kill once a quarter is through: the upload is well under way but far from done.
        if (killed === undefined && p.bytesSent >= SIZE / 4) {
          killAt = p.bytesSent;
          killed = server.kill('SIGKILL');
        }
      },
    });
    let settled = false;
    let failure: unknown;
    void handle.done.then(
      () => (settled = true),
      (error: unknown) => {
        settled = true;
        failure = error;
      },
    );

    await waitFor(
      'the upload to pass a quarter and the kill',
      () => {
        if (failure) throw failure;
        return killed;
      },
      { timeoutMs: 60_000, describe: () => JSON.stringify(progress.slice(-3)) },
    );
    const exit = await killed;
    expect(exit).toMatchObject({ signal: 'SIGKILL' });
    expect(settled, 'the upload must still be in flight when the server dies').toBe(false);
    // Part of the file is on disk, not all of it.
    const partial = [...walkFiles(join(server.dataDir, 'files')).values()].reduce((a, b) => Math.max(a, b), 0);
    expect(partial).toBeLessThan(SIZE);

    await server.restart();
    const message = await within('the upload to finish after the restart', handle.done, 120_000);
    expect(message.attachments).toHaveLength(1);
    const attachment = message.attachments[0]!;
    expect(attachment).toMatchObject({ name: 'survey-export.pdf', size: SIZE, sha256: sourceHash, mimeType: 'application/pdf' });
    expect(message.text).toBe('the survey export');

    // It resumed: progress after the restart started from the stored offset, not from zero.
    const afterRestart = progress.filter((p) => p.start === 2);
    expect(afterRestart.length).toBeGreaterThan(0);
    expect(Math.min(...afterRestart.map((p) => p.bytesSent))).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ bytesSent: SIZE, bytesTotal: SIZE });
    expect(killAt).toBeGreaterThan(0);

    // The other member gets the message, and the bytes behind a signed URL are the source's.
    const got = await waitFor('the receiver to get the message', () => received.find((m) => m.id === message.id), { timeoutMs: 30_000 });
    expect(got.attachments[0]?.fileId).toBe(attachment.fileId);
    const url = await receiver.files.url(attachment.fileId);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const downloaded = Buffer.from(await response.arrayBuffer());
    expect(downloaded.length).toBe(SIZE);
    expect(sha256Hex(downloaded)).toBe(sourceHash);
  }, 240_000);
});
