import { ErrorCode } from '@plaza/protocol';
import type { WireError } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tusCreate, uploadBytes } from '../files/testing.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

/** Resolves with the socket's next `connect_error` data, or `'connected'` when it connects. */
function nextConnectOutcome(socket: RawSocket): Promise<WireError | 'connected'> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: WireError }) => resolve(err.data ?? { code: ErrorCode.INTERNAL, message: err.message }));
  });
}

/** Drops the socket's transport as a network failure would (the server keeps its session for recovery). */
async function dropTransport(t: TestServer, socket: RawSocket): Promise<void> {
  const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
  const serverSocket = [...t.server.io.of('/').sockets.values()].find((s) => s.id === socket.id);
  if (!serverSocket) throw new Error('server socket not found');
  serverSocket.conn.close();
  expect(await gone).toBe('transport close');
}

/** Waits until the wall clock is in a later whole second than `iso` (tokens carry whole seconds). */
async function nextSecondAfter(iso: string): Promise<void> {
  const second = Math.floor(Date.parse(iso) / 1000);
  while (Math.floor(Date.now() / 1000) <= second) await new Promise((r) => setTimeout(r, 50));
}

describe('POST /v1/users/{userId}/sessions/revoke', { timeout: 30_000 }, () => {
  let t: TestServer;
  let conv: string;
  let owner: RawSocket;

  beforeAll(async () => {
    t = await startTestServer();
    owner = await t.connect('rv-owner');
    conv = (await ok(owner, 'conversation:create', { kind: 'group', title: 'Revocation', memberIds: ['rv-ana', 'rv-cy'] })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('a socket whose transport dropped recovers its session when nothing was revoked (control)', async () => {
    const cy = await t.connect('rv-cy');
    // Recovery resumes after the last broadcast the client saw: give it one.
    const seen = new Promise((resolve) => cy.once('message:new', resolve));
    await ok(owner, 'message:send', { conversationId: conv, clientId: 'rv-1', text: 'hello' });
    await seen;
    await dropTransport(t, cy);
    const outcome = nextConnectOutcome(cy);
    cy.connect();
    expect(await outcome).toBe('connected');
    expect(cy.recovered).toBe(true);
  });

  it('disconnects live sockets at once; the old token is refused on connect, session recovery and uploads; a newer token works', async () => {
    const oldToken = await t.token('rv-ana', { canUploadFiles: true });
    const live = await t.connect('rv-ana', { token: oldToken });
    const bystander = await t.connect('rv-owner');
    // A second device of the user lost its network before the revocation: its session waits for recovery.
    const away = await t.connect('rv-ana', { token: oldToken });
    const seen = new Promise((resolve) => away.once('message:new', resolve));
    await ok(owner, 'message:send', { conversationId: conv, clientId: 'rv-2', text: 'hello again' });
    await seen;
    await dropTransport(t, away);

    const liveGone = new Promise<string>((resolve) => live.once('disconnect', resolve));
    const res = await apiRequest(t.url, 'POST', '/v1/users/rv-ana/sessions/revoke');
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe('rv-ana');
    const revokedAt: string = res.body.revokedAt;
    expect(Math.abs(Date.parse(revokedAt) - Date.now())).toBeLessThan(60_000);
    expect(await liveGone).toBe('io server disconnect');
    expect(bystander.connected).toBe(true);

    // Reconnect with the same token.
    await expect(t.connect('rv-ana', { token: oldToken })).rejects.toMatchObject({ data: { code: ErrorCode.TOKEN_REVOKED } });
    // Session recovery of the device that was away (the auth middleware runs on recovery too).
    const outcome = nextConnectOutcome(away);
    away.connect();
    expect(await outcome).toMatchObject({ code: ErrorCode.TOKEN_REVOKED });
    expect(away.connected).toBe(false);
    // Uploads.
    const upload = await tusCreate(t.url, oldToken, 5, { conversationId: conv, filename: 'old.txt' });
    expect(upload.status).toBe(401);
    expect(((await upload.json()) as { error: WireError }).error.code).toBe(ErrorCode.TOKEN_REVOKED);

    // Connect, recovery and upload: each refusal audited with its reason.
    await vi.waitFor(async () => {
      const refusals = await t.server.store.listAudit({ limit: 20, action: 'connection.refused', actorId: 'rv-ana' });
      expect(refusals.filter((r) => r.reason === ErrorCode.TOKEN_REVOKED)).toHaveLength(3);
    });
    const revocations = await t.server.store.listAudit({ limit: 5, action: 'user.sessions_revoked' });
    expect(revocations[0]).toMatchObject({ actorId: 'api:PKtest', target: 'rv-ana' });

    // A token minted after the revocation (in a later second) works for sockets and uploads.
    await nextSecondAfter(revokedAt);
    const fresh = await t.token('rv-ana', { canUploadFiles: true });
    const back = await t.connect('rv-ana', { token: fresh });
    expect(back.connected).toBe(true);
    const up = await uploadBytes(t.url, fresh, Buffer.from('after revocation\n'), { conversationId: conv, filename: 'new.txt' });
    expect(up.created.status).toBe(201);
    expect(up.fileId).toMatch(/^f_/);
  });

  it('an unknown user is recorded, so tokens minted before the revocation never work', async () => {
    const early = await t.token('rv-newcomer');
    const res = await apiRequest(t.url, 'POST', '/v1/users/rv-newcomer/sessions/revoke');
    expect(res.status).toBe(200);
    await expect(t.connect('rv-newcomer', { token: early })).rejects.toMatchObject({ data: { code: ErrorCode.TOKEN_REVOKED } });
  });

  it('bad input (400) and wrong credentials (401) revoke nothing', async () => {
    const token = await t.token('rv-dee');
    const withBody = await apiRequest(t.url, 'POST', '/v1/users/rv-dee/sessions/revoke', { body: { now: true } });
    expect(withBody.status).toBe(400);
    expect(withBody.body.error.code).toBe(ErrorCode.INVALID_REQUEST);
    const badId = await apiRequest(t.url, 'POST', `/v1/users/${encodeURIComponent('has space')}/sessions/revoke`);
    expect(badId.status).toBe(400);
    expect(badId.body.error.details.issues[0].path).toEqual(['params', 'userId']);
    const wrong = await apiRequest(t.url, 'POST', '/v1/users/rv-dee/sessions/revoke', { auth: { key: 'PKtest', secret: 'not-the-secret-at-all-0123456789abcdef' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await t.server.store.sessionsRevokedAt('rv-dee')).toBeNull();
    expect((await t.connect('rv-dee', { token })).connected).toBe(true);
  });
});
