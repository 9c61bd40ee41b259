import { ErrorCode } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAlertChannel, postAlert } from '../desk/alertsTesting.js';
import { makeDepartment } from '../desk/deskTesting.js';
import { uploadBytes } from '../files/testing.js';
import { ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { apiRequest } from './testing.js';

describe('GET /v1/users/{userId}/export', { timeout: 30_000 }, () => {
  let t: TestServer;
  let ana: RawSocket;
  let ben: RawSocket;
  let group: string;
  let anaFile: string;
  let benFile: string;

  beforeAll(async () => {
    t = await startTestServer();
    const anaToken = await t.token('ex-ana', { canUploadFiles: true });
    const benToken = await t.token('ex-ben', { canUploadFiles: true });
    ana = await t.connect('ex-ana', { token: anaToken });
    ben = await t.connect('ex-ben', { token: benToken });
    group = (await ok(ben, 'conversation:create', { kind: 'group', title: 'Export case', memberIds: ['ex-ana'] })).id;
    anaFile = (await uploadBytes(t.url, anaToken, Buffer.from('ana wrote this\n'), { conversationId: group, filename: 'ana.txt' })).fileId as string;
    benFile = (await uploadBytes(t.url, benToken, Buffer.from('ben wrote this\n'), { conversationId: group, filename: 'ben.txt' })).fileId as string;
    const m = await ok(ana, 'message:send', { conversationId: group, clientId: 'e1', text: 'first', attachments: [anaFile] });
    await ok(ana, 'message:send', { conversationId: group, clientId: 'e2', text: 'second' });
    await ok(ana, 'message:delete', { conversationId: group, messageId: (await ok(ana, 'message:send', { conversationId: group, clientId: 'e3', text: 'gone' })).id });
    const b = await ok(ben, 'message:send', { conversationId: group, clientId: 'b1', text: 'from ben', attachments: [benFile] });
    await ok(ana, 'message:react', { conversationId: group, messageId: b.id, emoji: '🎉', add: true });
    void m;
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the audit records newest first, like listAudit', async () => {
    await t.connect('ex-ana');
    await vi.waitFor(async () => expect((await t.server.store.listAudit({ limit: 5, actorId: 'ex-ana' })).length).toBeGreaterThan(1));
    const res = await apiRequest(t.url, 'GET', '/v1/users/ex-ana/export');
    const ids = (res.body.audit.data as { id: number }[]).map((a) => a.id);
    expect(ids.length).toBeGreaterThan(1);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('answers profile, memberships, messages (with tombstones), reactions, files with working URLs and audit records; audited as user.exported', async () => {
    const res = await apiRequest(t.url, 'GET', '/v1/users/ex-ana/export');
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.user).toMatchObject({ id: 'ex-ana', name: 'Name of ex-ana', sessionsRevokedAt: null });
    expect(body.memberships).toEqual([{ conversationId: group, kind: 'group', title: 'Export case', role: 'member', joinedAt: expect.any(String) }]);
    expect(body.messages.truncated).toBe(false);
    expect(body.messages.data.map((m: { text: string; deletedAt: string | null }) => [m.text, m.deletedAt === null])).toEqual([
      ['first', true],
      ['second', true],
      ['', false],
    ]);
    expect(body.messages.data[0].attachments).toEqual([anaFile]);
    expect(body.reactions.data).toEqual([{ conversationId: group, messageId: expect.any(String), emoji: '🎉', createdAt: expect.any(String) }]);
    expect(body.files.data.map((f: { id: string }) => f.id)).toEqual([anaFile]);
    expect(body.audit.data.some((a: { action: string; actorId: string }) => a.action === 'connection.accepted' && a.actorId === 'ex-ana')).toBe(true);

    // The URL works without membership (ana leaves), serves as attachment with nosniff, and only this file.
    await ok(ana, 'conversation:leave', { conversationId: group });
    const file = body.files.data[0] as { downloadUrl: string; urlExpiresAt: string };
    expect(Date.parse(file.urlExpiresAt) - Date.now()).toBeGreaterThan(50 * 60_000);
    const download = await fetch(file.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(await download.text()).toBe('ana wrote this\n');
    const otherFile = file.downloadUrl.replace(anaFile, benFile);
    expect((await fetch(otherFile)).status).toBe(403);
    const tampered = new URL(file.downloadUrl);
    tampered.searchParams.set('uid', 'ex-ben');
    expect((await fetch(tampered)).status).toBe(403);
    const unscoped = new URL(file.downloadUrl);
    unscoped.searchParams.delete('scope');
    expect((await fetch(unscoped)).status).toBe(403);

    await vi.waitFor(async () => {
      const audit = await t.server.store.listAudit({ limit: 5, action: 'user.exported' });
      expect(audit[0]).toMatchObject({ actorId: 'api:PKtest', target: 'ex-ana', details: { messages: 3, files: 1 } });
    });
  });

  it('answers 404 USER_NOT_FOUND for an unknown user, 400 for a bad id or query, 401 without credentials', async () => {
    const missing = await apiRequest(t.url, 'GET', '/v1/users/ex-nobody/export');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(ErrorCode.USER_NOT_FOUND);
    expect((await apiRequest(t.url, 'GET', `/v1/users/${encodeURIComponent('ex ana')}/export`)).status).toBe(400);
    expect((await apiRequest(t.url, 'GET', '/v1/users/ex-ana/export?format=csv')).status).toBe(400);
    const anonymous = await apiRequest(t.url, 'GET', '/v1/users/ex-ana/export', { auth: false });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(ben.connected).toBe(true);
  });

  it('the operations are in the OpenAPI document', async () => {
    const doc = (await apiRequest(t.url, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/v1/users/{userId}/sessions/revoke']?.post?.operationId).toBe('revokeSessions');
    expect(doc.paths['/v1/users/{userId}/export']?.get?.operationId).toBe('exportUser');
    expect(doc.paths['/v1/users/{userId}']?.delete?.operationId).toBe('eraseUser');
    expect(doc.paths['/v1/conversations/{conversationId}/retention']?.put?.operationId).toBe('setRetention');
    expect(doc.paths['/v1/conversations/{conversationId}/retention']?.get?.operationId).toBe('getRetention');
  });
});

describe('GET /v1/users/{userId}/export: the citizen desk', { timeout: 30_000 }, () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('has the requests the user opened (with history), those they handled as agent, their departments and alert acknowledgements', async () => {
    await makeDepartment(t, { id: 'xd-lighting', name: 'Public Lighting', agentIds: ['xd-ben'], topicId: 'xd-street-light' });
    await makeDepartment(t, { id: 'xd-roads', name: 'Roads', agentIds: ['xd-ana'], topicId: 'xd-pothole' });
    const ana = await t.connect('xd-ana');
    const ben = await t.connect('xd-ben');
    const cy = await t.connect('xd-cy');
    const own = await ok(ana, 'request:open', { topicId: 'xd-street-light', description: 'Lamp dark', location: { lat: 1, lng: 2, address: 'Elm St 4' }, clientId: 'a1' });
    await ok(ben, 'request:claim', { conversationId: own.conversationId });
    const other = await ok(cy, 'request:open', { topicId: 'xd-pothole', description: 'Pothole', clientId: 'c1' });
    await ok(ana, 'request:claim', { conversationId: other.conversationId });
    await ok(ana, 'request:transfer', { conversationId: other.conversationId, departmentId: 'xd-lighting', note: 'Lamp post fell into it' });
    await createAlertChannel(t, { id: 'xd-floods', name: 'Floods', memberIds: ['xd-ana'] });
    const alert = await postAlert(t, 'xd-floods', { title: 'River high', body: 'Gauge 3', severity: 'warning', source: 'gauge' });
    await ok(ana, 'alert:acknowledge', { alertId: alert.id });

    const res = await apiRequest(t.url, 'GET', '/v1/users/xd-ana/export');
    expect(res.status).toBe(200);
    const desk = res.body.desk;
    expect(desk.requests).toEqual({
      truncated: false,
      data: [
        {
          conversationId: own.conversationId,
          topicId: 'xd-street-light',
          departmentId: 'xd-lighting',
          status: 'claimed',
          description: 'Lamp dark',
          location: { lat: 1, lng: 2, address: 'Elm St 4' },
          externalRef: null,
          resolution: null,
          createdAt: own.createdAt,
          updatedAt: expect.any(String),
          resolvedAt: null,
          history: [
            { change: 'opened', actorId: 'xd-ana', fromDepartmentId: null, toDepartmentId: 'xd-lighting', note: null, at: own.createdAt },
            { change: 'claimed', actorId: 'xd-ben', fromDepartmentId: null, toDepartmentId: null, note: null, at: expect.any(String) },
          ],
        },
      ],
    });
    expect(desk.handledRequests).toEqual({
      truncated: false,
      data: [
        {
          conversationId: other.conversationId,
          departmentId: 'xd-lighting',
          status: 'queued',
          assigned: false,
          createdAt: other.createdAt,
          updatedAt: expect.any(String),
          resolvedAt: null,
          changes: [
            { change: 'claimed', note: null, at: expect.any(String) },
            { change: 'transferred', note: 'Lamp post fell into it', at: expect.any(String) },
          ],
        },
      ],
    });
    expect(desk.departments).toEqual([{ departmentId: 'xd-roads', name: 'Roads', addedAt: expect.any(String) }]);
    expect(desk.alertAcknowledgements).toEqual({
      truncated: false,
      data: [{ alertId: alert.id, channelId: 'xd-floods', title: 'River high', severity: 'warning', alertCreatedAt: alert.createdAt, at: expect.any(String) }],
    });

    // The assignee's export: the request as handled (assigned), not as opened; cy's has no desk roles.
    const benDesk = (await apiRequest(t.url, 'GET', '/v1/users/xd-ben/export')).body.desk;
    expect(benDesk.requests.data).toEqual([]);
    expect(benDesk.handledRequests.data).toMatchObject([{ conversationId: own.conversationId, status: 'claimed', assigned: true, changes: [{ change: 'claimed' }] }]);
    const cyDesk = (await apiRequest(t.url, 'GET', '/v1/users/xd-cy/export')).body.desk;
    expect(cyDesk.requests.data.map((r: { conversationId: string }) => r.conversationId)).toEqual([other.conversationId]);
    expect(cyDesk).toMatchObject({ handledRequests: { data: [] }, departments: [], alertAcknowledgements: { data: [] } });
  });
});
