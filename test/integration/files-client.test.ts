import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, PlazaError, silentLogger } from '@plaza/client';
import type { Conversation } from '@plaza/client';
import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { bytesUnder, sha256Hex } from '../helpers/files.js';
import { waitFor, within } from '../helpers/waitFor.js';

/**
 * The real client's upload API against a real server process with small limits: refusals reach
 * `done` as PlazaErrors with the server's code and send no message; cancel removes the partial
 * upload from disk and frees the quota; pause really stops and resume finishes with the right
 * bytes; Node streams upload like buffers.
 */

const MAX_FILE_BYTES = 24 * 1024 * 1024;
const QUOTA_BYTES = 40 * 1024 * 1024;

let server: ServerProcess;
let plaza: PlazaClient;
let peer: PlazaClient;
let conv: Conversation;
const peerMessages: Message[] = [];

/** `size` bytes the sniffer accepts as a PDF. */
function pdf(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes.write('%PDF-1.7\n', 0, 'latin1');
  return bytes;
}

const filesDir = () => join(server.dataDir, 'files');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlazaError);
    return (error as PlazaError).code;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  server = await ServerProcess.start({ args: ['--max-file-bytes', String(MAX_FILE_BYTES), '--user-quota-bytes', String(QUOTA_BYTES)] });
  plaza = new PlazaClient(server.url, { logger: silentLogger });
  await plaza.connect(() => mintToken('clerk'));
  peer = new PlazaClient(server.url, { logger: silentLogger });
  await peer.connect(() => mintToken('resident'));
  conv = await plaza.conversations.openDirect('resident');
  (await peer.conversations.openDirect('clerk')).on('message', (m: Message) => peerMessages.push(m));
});

afterAll(async () => {
  await plaza?.disconnect();
  await peer?.disconnect();
  await stopAllServers();
  removeTempDirs();
});

describe('refusals reach done as PlazaErrors and send no message', () => {
  it('a file over the limit fails with PAYLOAD_TOO_LARGE before any byte is stored', async () => {
    const before = bytesUnder(filesDir());
    const handle = conv.sendFile(pdf(MAX_FILE_BYTES + 1), { name: 'big.pdf', text: 'too big' });
    expect(await codeOf(handle.done)).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(handle.state).toBe('failed');
    expect(bytesUnder(filesDir())).toBe(before);
  });

  it('HTML named .png fails with UNSUPPORTED_FILE_TYPE and the peer gets no message', async () => {
    const html = Buffer.from('<!doctype html><html><script>alert(1)</script></html>');
    const handle = conv.sendFile(html, { name: 'cat.png', type: 'image/png', text: 'look at my cat' });
    expect(await codeOf(handle.done)).toBe(ErrorCode.UNSUPPORTED_FILE_TYPE);
    const marker = await conv.send('after the refused file');
    await waitFor('the peer to get the marker', () => peerMessages.some((m) => m.id === marker.id));
    expect(peerMessages.some((m) => m.text === 'look at my cat')).toBe(false);
  });
});

describe('cancel, pause and resume', () => {
  it('cancel stops the upload, rejects done, removes the partial bytes and frees the quota', async () => {
    const before = bytesUnder(filesDir());
    let cancelled: Promise<boolean> | undefined;
    const handle = conv.sendFile(pdf(20 * 1024 * 1024), {
      name: 'cancel-me.pdf',
      text: 'never sent',
      onProgress: (p) => {
        if (cancelled === undefined && p.bytesSent > 2 * 1024 * 1024) cancelled = handle.cancel();
      },
    });
    const code = await codeOf(handle.done);
    expect(cancelled).toBeDefined();
    expect(await cancelled).toBe(true);
    expect(handle.state).toBe('cancelled');
    expect(code).toBeTruthy();
    await waitFor('the partial upload to be removed from disk', () => bytesUnder(filesDir()) === before, { describe: () => `${bytesUnder(filesDir())} bytes vs ${before}` });
    // The 20 MiB reservation is gone: 2 × 19 MiB fit into the 40 MiB quota now.
    const first = conv.uploadFile(pdf(19 * 1024 * 1024), { name: 'q1.pdf' });
    const second = conv.uploadFile(pdf(19 * 1024 * 1024), { name: 'q2.pdf' });
    await within('two uploads within the quota', Promise.all([first.done, second.done]), 60_000);
    // … and a third does not.
    expect(await codeOf(conv.uploadFile(pdf(4 * 1024 * 1024), { name: 'q3.pdf' }).done)).toBe(ErrorCode.QUOTA_EXCEEDED);
    expect(peerMessages.some((m) => m.text === 'never sent')).toBe(false);
  });
});

describe('inputs', () => {
  it('uploads a Node Readable with a declared size; the message carries its SHA-256', async () => {
    // Another user: clerk's quota is used up by the test above.
    const user = new PlazaClient(server.url, { logger: silentLogger });
    await user.connect(() => mintToken('streamer'));
    const streamConv = await user.conversations.openDirect('resident');
    const bytes = pdf(3 * 1024 * 1024 + 17);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536));
    const handle = streamConv.sendFile(Readable.from(chunks), { name: 'streamed.pdf', size: bytes.length, text: 'from a stream' });
    const message = await within('the streamed upload', handle.done, 60_000);
    expect(message.attachments[0]).toMatchObject({ name: 'streamed.pdf', size: bytes.length, sha256: sha256Hex(bytes) });
    const response = await fetch(await user.files.url(message.attachments[0]!.fileId));
    expect(sha256Hex(Buffer.from(await response.arrayBuffer()))).toBe(sha256Hex(bytes));
    await user.disconnect();
  });

  it('two concurrent sends of the same bytes (same fingerprint) both complete with the right content', async () => {
    const user = new PlazaClient(server.url, { logger: silentLogger });
    await user.connect(() => mintToken('double-clicker'));
    const twiceConv = await user.conversations.openDirect('resident');
    const bytes = pdf(6 * 1024 * 1024);
    const [a, b] = await within(
      'both uploads',
      Promise.all([twiceConv.sendFile(bytes, { name: 'same.pdf', text: 'first' }).done, twiceConv.sendFile(bytes, { name: 'same.pdf', text: 'second' }).done]),
      60_000,
    );
    expect(a.id).not.toBe(b.id);
    for (const message of [a, b]) {
      expect(message.attachments[0]).toMatchObject({ size: bytes.length, sha256: sha256Hex(bytes) });
      const response = await fetch(await user.files.url(message.attachments[0]!.fileId));
      expect(sha256Hex(Buffer.from(await response.arrayBuffer()))).toBe(sha256Hex(bytes));
    }
    await user.disconnect();
  });

  it('pause stops sending; resume finishes with the same bytes', async () => {
    const user = new PlazaClient(server.url, { logger: silentLogger });
    await user.connect(() => mintToken('pauser'));
    const pauseConv = await user.conversations.openDirect('resident');
    const bytes = pdf(20 * 1024 * 1024);
    let paused = false;
    const handle = pauseConv.sendFile(bytes, {
      name: 'paused.pdf',
      onProgress: (p) => {
        if (!paused && p.bytesSent > 1024 * 1024) {
          paused = true;
          handle.pause();
        }
      },
    });
    await waitFor('the upload to pause', () => handle.state === 'paused', { timeoutMs: 30_000 });
    const atPause = handle.progress.bytesSent;
    const onDisk = bytesUnder(filesDir());
    // A deliberate observation window: nothing may move while paused.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(handle.progress.bytesSent).toBe(atPause);
    expect(bytesUnder(filesDir())).toBe(onDisk);
    expect(atPause).toBeLessThan(bytes.length);
    handle.resume();
    const message = await within('the resumed upload', handle.done, 60_000);
    expect(message.attachments[0]).toMatchObject({ size: bytes.length, sha256: sha256Hex(bytes) });
    await user.disconnect();
  });
});
