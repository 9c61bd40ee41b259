import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { UPLOAD_PATH } from './uploadRoutes.js';
import { tusMetadata, uploadBytes } from './testing.js';

const PORTAL = 'https://portal.example';
const STRANGER = 'https://evil.example';

describe('CORS of the file endpoints', () => {
  let t: TestServer;
  let ana: RawSocket;
  let anaToken: string;
  let conv: string;
  let url: string;

  beforeAll(async () => {
    t = await startTestServer({ allowedOrigins: [PORTAL] });
    ana = await t.connect('c-ana');
    anaToken = await t.token('c-ana');
    conv = (await ok(ana, 'conversation:create', { kind: 'group', title: 'CORS' })).id;
    const up = await uploadBytes(t.url, anaToken, Buffer.from('0123456789abcdefghij'), { conversationId: conv, filename: 'digits.txt' });
    if (!up.fileId) throw new Error('upload failed');
    url = new URL((await ok(ana, 'file:url', { fileId: up.fileId })).url, t.url).toString();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a download from an allowed origin carries Access-Control-Allow-Origin for that origin and exposes the download headers', async () => {
    const res = await fetch(url, { headers: { Origin: PORTAL, Range: 'bytes=2-4' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe('234');
    expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(res.headers.get('vary')).toMatch(/Origin/);
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['Content-Disposition', 'Content-Range', 'Content-Length']));
  });

  it('a download from another origin, or without one, gets no Access-Control-Allow-Origin', async () => {
    const stranger = await fetch(url, { headers: { Origin: STRANGER } });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('vary')).toMatch(/Origin/);
    const plain = await fetch(url);
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('an error answer to an allowed origin is readable too', async () => {
    const bad = new URL(url);
    bad.searchParams.set('sig', 'x');
    const res = await fetch(bad, { headers: { Origin: PORTAL } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(await res.json()).toMatchObject({ error: { code: 'URL_EXPIRED_OR_INVALID' } });
  });

  it('the download preflight allows GET with Range for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(url, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
    const allowed = await preflight(PORTAL);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('GET');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('range');
    const refused = await preflight(STRANGER);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('the tus endpoint answers allowed origins only (never *), exposing Location and Plaza-File-Id', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}${UPLOAD_PATH}`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,tus-resumable,upload-length,upload-metadata' },
      });
    const allowed = await preflight(PORTAL);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(allowed.headers.get('vary')).toMatch(/Origin/);
    const refused = await preflight(STRANGER);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const create = (origin: string) =>
      fetch(`${t.url}${UPLOAD_PATH}`, {
        method: 'POST',
        headers: {
          Origin: origin,
          Authorization: `Bearer ${anaToken}`,
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '5',
          'Upload-Metadata': tusMetadata({ conversationId: conv, filename: 'x.txt' }),
        },
      });
    const created = await create(PORTAL);
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe(PORTAL);
    const exposed = (created.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    expect(exposed).toContain('location');
    expect(exposed).toContain('plaza-file-id');
    const fromStranger = await create(STRANGER);
    expect(fromStranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});
