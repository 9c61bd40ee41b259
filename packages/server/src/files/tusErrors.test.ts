import { request } from 'node:http';
import { join } from 'node:path';
import { ErrorCode } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { bytesUnder, sha256Hex, tusCreate, tusMetadata, tusPatch, uploadBytes } from './testing.js';
import { FILE_INFO_HEADER, UPLOAD_PATH } from './uploadRoutes.js';

const CODES = new Set<string>(Object.values(ErrorCode));

/** Asserts an answer is `{ error: { code, message } }` JSON with the given status and code. */
async function expectJsonError(res: Response, status: number, code: ErrorCode): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(CODES.has(body.error.code)).toBe(true);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe('tus error answers and completion', () => {
  let t: TestServer;
  let ana: RawSocket;
  let token: string;
  let conv: string;

  beforeAll(async () => {
    t = await startTestServer({ maxFileBytes: 4 * 1024 * 1024, userQuotaBytes: 64 * 1024 * 1024 });
    ana = await t.connect('te-ana');
    token = await t.token('te-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'tus errors' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  const meta = () => tusMetadata({ conversationId: conv, filename: 'e.txt' });
  const created = async (size: number) => {
    const res = await tusCreate(t.url, token, size, { conversationId: conv, filename: 'e.txt' });
    expect(res.status).toBe(201);
    return new URL(res.headers.get('location') as string, t.url).toString();
  };

  it('requests tus refuses before any hook (no Tus-Resumable, malformed headers) answer JSON with INVALID_REQUEST', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    const noVersion = await fetch(`${t.url}${UPLOAD_PATH}`, { method: 'POST', headers: { ...auth, 'Upload-Length': '5', 'Upload-Metadata': meta() } });
    await expectJsonError(noVersion, 412, ErrorCode.INVALID_REQUEST);
    const badLength = await fetch(`${t.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { ...auth, 'Tus-Resumable': '1.0.0', 'Upload-Length': 'five', 'Upload-Metadata': meta() },
    });
    await expectJsonError(badLength, 400, ErrorCode.INVALID_REQUEST);
    const badMetadata = await fetch(`${t.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { ...auth, 'Tus-Resumable': '1.0.0', 'Upload-Length': '5', 'Upload-Metadata': 'filename not base64!' },
    });
    await expectJsonError(badMetadata, 400, ErrorCode.INVALID_REQUEST);
    const deferred = await fetch(`${t.url}${UPLOAD_PATH}`, {
      method: 'POST',
      headers: { ...auth, 'Tus-Resumable': '1.0.0', 'Upload-Defer-Length': '1', 'Upload-Metadata': meta() },
    });
    expect(deferred.status).toBeGreaterThanOrEqual(400);
    await expectJsonError(deferred, deferred.status, ErrorCode.INVALID_REQUEST);
  });

  it('PATCH errors answer JSON: missing offset or Content-Type is INVALID_REQUEST, a wrong offset CONFLICT, an unknown upload FILE_NOT_FOUND', async () => {
    const url = await created(10);
    const base = { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` };
    const noOffset = await fetch(url, { method: 'PATCH', headers: { ...base, 'Content-Type': 'application/offset+octet-stream' }, body: 'abc' });
    await expectJsonError(noOffset, 403, ErrorCode.INVALID_REQUEST);
    const noType = await fetch(url, { method: 'PATCH', headers: { ...base, 'Upload-Offset': '0' }, body: Buffer.from('abc') });
    await expectJsonError(noType, 403, ErrorCode.INVALID_REQUEST);
    await expectJsonError(await tusPatch(url, token, 5, Buffer.from('abc')), 409, ErrorCode.CONFLICT);
    await expectJsonError(await tusPatch(`${t.url}${UPLOAD_PATH}/f_AAAAAAAAAAAAAAAAAAAA`, token, 0, Buffer.from('abc')), 404, ErrorCode.FILE_NOT_FOUND);
  });

  it('a body longer than the upload answers JSON PAYLOAD_TOO_LARGE', async () => {
    const url = await created(4);
    await expectJsonError(await tusPatch(url, token, 0, Buffer.from('more than four bytes')), 413, ErrorCode.PAYLOAD_TOO_LARGE);
  });

  it('the answer that completes an upload describes the stored file (Plaza-File-Info), as file:get does', async () => {
    const bytes = Buffer.from('described in the answer\n');
    const up = await uploadBytes(t.url, token, bytes, { conversationId: conv, filename: 'info.txt' });
    const header = up.patched?.headers.get(FILE_INFO_HEADER);
    expect(header).toBeTruthy();
    const info = JSON.parse(Buffer.from(header as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(info).toEqual(await ok(ana, 'file:get', { fileId: up.fileId as string }));
    expect(info).toMatchObject({ name: 'info.txt', size: bytes.length, sha256: sha256Hex(bytes), mimeType: 'text/plain' });
    expect(info).not.toHaveProperty('storageKey');
  });

  it('a creation-with-upload the client abandons before the answer is removed, freeing disk and quota', async () => {
    const filesDir = join(t.server.config.dataDir, 'files');
    const before = bytesUnder(filesDir);
    const reservedBefore = t.server.files.ledger.reservedBy('te-ana');
    const total = 3 * 1024 * 1024;
    const head = Buffer.alloc(1024 * 1024, 0x61);
    await new Promise<void>((resolve) => {
      const req = request(`${t.url}${UPLOAD_PATH}`, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          Authorization: `Bearer ${token}`,
          'Upload-Length': String(total),
          'Upload-Metadata': tusMetadata({ conversationId: conv, filename: 'gone.txt' }),
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': String(total),
        },
      });
      req.on('error', () => resolve());
      req.write(head, () => setTimeout(() => req.destroy(), 200));
    });
    const deadline = Date.now() + 10_000;
    while (bytesUnder(filesDir) !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(bytesUnder(filesDir)).toBe(before);
    // Its quota reservation is gone too.
    expect(t.server.files.ledger.reservedBy('te-ana')).toBe(reservedBefore);
  });
});
