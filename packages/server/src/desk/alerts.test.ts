import type { Alert, AlertChannel, Conversation, Message } from '@plaza/protocol';
import { PlazaApi, PlazaApiError } from '@plaza/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { TEST_KEY, TEST_SECRET, collect, fails, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { ALERT_SYSTEM_USER } from './AlertService.js';
import { alertEvents, createAlertChannel, postAlert } from './alertsTesting.js';

describe('alerts: channels, posting, live delivery and acknowledgement', () => {
  let t: TestServer;
  let alice: RawSocket;
  let bob: RawSocket;
  let outsider: RawSocket;
  let channel: AlertChannel;
  let n = 0;
  const key = () => `key-${++n}`;
  const messages = async (conversationId: string): Promise<Message[]> =>
    (await apiRequest<{ data: Message[] }>(t.url, 'GET', `/v1/conversations/${conversationId}/messages?limit=200`)).body.data;

  beforeAll(async () => {
    t = await startTestServer();
    alice = await t.connect('al-alice');
    outsider = await t.connect('al-outsider');
    const added = nextEvent(alice, 'conversation:added', (c) => c.kind === 'channel');
    channel = await createAlertChannel(t, {
      id: 'flooding-north',
      name: 'Flooding North',
      topic: 'flooding',
      area: 'North district',
      memberIds: ['al-alice', 'al-bob'],
    });
    // Alice was connected: she hears of the new channel at once and joins its room.
    expect((await added).id).toBe(channel.conversationId);
    // Bob connects afterwards: his socket joins the room on connect.
    bob = await t.connect('al-bob');
  });
  afterAll(async () => {
    await t.close();
  });

  it('createAlertChannel creates a channel conversation whose members are the recipients', async () => {
    expect(channel).toMatchObject({
      id: 'flooding-north',
      name: 'Flooding North',
      topic: 'flooding',
      area: 'North district',
      ackTimeoutSec: null,
      escalationDepartmentId: null,
    });
    const conversation = await apiRequest<Conversation>(t.url, 'GET', `/v1/conversations/${channel.conversationId}`);
    expect(conversation.body).toMatchObject({ kind: 'channel', title: 'Flooding North', topic: 'flooding', memberCount: 2 });
    const members = await apiRequest<{ data: { userId: string; role: string }[] }>(t.url, 'GET', `/v1/conversations/${channel.conversationId}/members`);
    expect(members.body.data.map((m) => [m.userId, m.role]).sort()).toEqual([
      ['al-alice', 'member'],
      ['al-bob', 'member'],
    ]);
    expect((await apiRequest(t.url, 'GET', '/v1/alert-channels/flooding-north')).body).toEqual(channel);
    const list = await apiRequest<{ data: AlertChannel[]; nextCursor: string | null }>(t.url, 'GET', '/v1/alert-channels');
    expect(list.body.data.map((c) => c.id)).toContain('flooding-north');
    // A recipient cannot post into the channel: they read and acknowledge.
    const refused = await fails(alice, 'message:send', { conversationId: channel.conversationId, clientId: 'c1', text: 'hi' });
    expect(refused.code).toBe('FORBIDDEN_ROLE');
  });

  it('postAlert: recipients get alert:new and the system message live, others nothing; stored with alert.created', async () => {
    const outsiderSaw = collect(outsider, 'alert:new');
    const toAlice = nextEvent(alice, 'alert:new');
    const toBob = nextEvent(bob, 'alert:new');
    const messageToBob = nextEvent(bob, 'message:new', (m) => m.conversationId === channel.conversationId);
    const alert = await postAlert(t, 'flooding-north', {
      title: 'River level above 4 m',
      body: 'Gauge at Mill Bridge reads 4.12 m and rising.',
      severity: 'critical',
      source: 'gauge-mill-bridge',
    });
    expect(alert).toMatchObject({
      channelId: 'flooding-north',
      conversationId: channel.conversationId,
      title: 'River level above 4 m',
      severity: 'critical',
      source: 'gauge-mill-bridge',
      ackDeadlineAt: null,
      acknowledgements: [],
      escalatedAt: null,
      escalationRequestId: null,
    });
    expect(alert.id).toMatch(/^al_/);
    expect(await toAlice).toEqual(alert);
    expect(await toBob).toEqual(alert);
    const message = await messageToBob;
    expect(message).toMatchObject({ kind: 'system', senderId: ALERT_SYSTEM_USER });
    expect(message.text).toContain('River level above 4 m');
    expect(message.text).toContain('Gauge at Mill Bridge reads 4.12 m');
    expect((await messages(channel.conversationId)).map((m) => m.id)).toContain(message.id);
    await settle(outsider);
    expect(outsiderSaw).toEqual([]);
    const events = await alertEvents(t, 'alert.created', alert.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ conversationId: channel.conversationId, alert });
    // The message has its own event, like any message.
    const messageEvents = await apiRequest<{ data: { data: { message: { id: string } } }[] }>(t.url, 'GET', '/v1/events?type=message.created&limit=200');
    expect(messageEvents.body.data.some((e) => e.data.message.id === message.id)).toBe(true);
  });

  it('postAlert with the same source and clientId twice stores one alert, one message and one event', async () => {
    const clientId = key();
    const body = { title: 'Pump 3 failed', body: '', severity: 'warning', source: 'pump-station-2', clientId };
    const bobAlerts = collect(bob, 'alert:new');
    const before = (await messages(channel.conversationId)).length;
    const first = await postAlert(t, 'flooding-north', body);
    const again = await postAlert(t, 'flooding-north', body);
    expect(again).toEqual(first);
    expect((await messages(channel.conversationId)).length).toBe(before + 1);
    expect(await alertEvents(t, 'alert.created', first.id)).toHaveLength(1);
    await settle(bob);
    expect(bobAlerts.map((a) => a.id)).toEqual([first.id]);

    // The same key for a different alert is refused, and changes nothing.
    const reused = await apiRequest(t.url, 'POST', '/v1/alert-channels/flooding-north/alerts', { body: { ...body, title: 'Pump 4 failed' } });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe('CONFLICT');
    expect((await messages(channel.conversationId)).length).toBe(before + 1);

    // Another source may use the same key.
    const other = await postAlert(t, 'flooding-north', { ...body, source: 'pump-station-9' });
    expect(other.id).not.toBe(first.id);
  });

  it('alert:acknowledge records the ack once, emits alert:updated and alert.acknowledged; listed with acknowledgements', async () => {
    const alert = await postAlert(t, 'flooding-north', { title: 'Storm drain blocked', body: 'Elm St / 3rd Ave', severity: 'warning', source: 'city-311' });
    const toBob = nextEvent(bob, 'alert:updated', (a) => a.id === alert.id);
    const acked = await ok(alice, 'alert:acknowledge', { alertId: alert.id });
    expect(acked.acknowledgements).toEqual([{ userId: 'al-alice', at: expect.any(String) }]);
    expect(await toBob).toEqual(acked);

    // Again: no change, no event, no second alert:updated.
    const bobUpdates = collect(bob, 'alert:updated');
    const again = await ok(alice, 'alert:acknowledge', { alertId: alert.id });
    expect(again).toEqual(acked);
    await settle(bob);
    expect(bobUpdates).toEqual([]);
    const events = await alertEvents(t, 'alert.acknowledged', alert.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ userId: 'al-alice', alert: { id: alert.id } });

    const both = await ok(bob, 'alert:acknowledge', { alertId: alert.id });
    expect(both.acknowledgements.map((a) => a.userId)).toEqual(['al-alice', 'al-bob']);

    const got = await apiRequest<Alert>(t.url, 'GET', `/v1/alerts/${alert.id}`);
    expect(got.body).toEqual(both);
    const listed = await apiRequest<{ data: Alert[] }>(t.url, 'GET', '/v1/alerts?channelId=flooding-north');
    expect(listed.body.data.find((a) => a.id === alert.id)).toEqual(both);
    const mine = await ok(alice, 'alert:list', { channelId: 'flooding-north' });
    expect(mine.find((a) => a.id === alert.id)).toEqual(both);
  });

  it('alert:acknowledge by a non-recipient is NOT_A_MEMBER and an unknown alert ALERT_NOT_FOUND; nothing is stored', async () => {
    const alert = await postAlert(t, 'flooding-north', { title: 'Test siren', body: '', severity: 'info', source: 'city-311' });
    expect((await fails(outsider, 'alert:acknowledge', { alertId: alert.id })).code).toBe('NOT_A_MEMBER');
    expect((await fails(alice, 'alert:acknowledge', { alertId: 'al_doesnotexist' })).code).toBe('ALERT_NOT_FOUND');
    expect((await fails(alice, 'alert:acknowledge', { alertId: 'not an id' })).code).toBe('INVALID_REQUEST');
    expect((await apiRequest<Alert>(t.url, 'GET', `/v1/alerts/${alert.id}`)).body.acknowledgements).toEqual([]);
    expect(await alertEvents(t, 'alert.acknowledged', alert.id)).toEqual([]);
    expect((await fails(outsider, 'alert:list', { channelId: 'flooding-north' })).code).toBe('NOT_A_MEMBER');
    expect((await fails(outsider, 'alert:list', { channelId: 'no-such-channel' })).code).toBe('CHANNEL_NOT_FOUND');
    // Without a channel: only the alerts of the caller's channels (none for the outsider).
    expect(await ok(outsider, 'alert:list', {})).toEqual([]);
    expect((await ok(alice, 'alert:list', { limit: 1 })).map((a) => a.id)).toEqual([alert.id]);
  });

  it('recipients added and removed through REST join and leave live, like members', async () => {
    const carol = await t.connect('al-carol');
    const added = nextEvent(carol, 'conversation:added', (c) => c.id === channel.conversationId);
    const res = await apiRequest<{ added: { userId: string; role: string }[] }>(t.url, 'POST', '/v1/alert-channels/flooding-north/recipients', {
      body: { userIds: ['al-carol', 'al-alice'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.added.map((m) => [m.userId, m.role])).toEqual([['al-carol', 'member']]);
    await added;
    const toCarol = nextEvent(carol, 'alert:new');
    const alert = await postAlert(t, 'flooding-north', { title: 'Road closed', body: 'Mill Bridge', severity: 'info', source: 'traffic' });
    expect((await toCarol).id).toBe(alert.id);
    expect((await ok(carol, 'alert:acknowledge', { alertId: alert.id })).acknowledgements.map((a) => a.userId)).toEqual(['al-carol']);

    const removed = nextEvent(carol, 'conversation:removed', (e) => e.conversationId === channel.conversationId);
    const del = await apiRequest(t.url, 'DELETE', '/v1/alert-channels/flooding-north/recipients/al-carol');
    expect(del.status).toBe(204);
    expect((await removed).reason).toBe('removed');
    const carolAlerts = collect(carol, 'alert:new');
    await postAlert(t, 'flooding-north', { title: 'Road open again', body: '', severity: 'info', source: 'traffic' });
    await settle(carol);
    expect(carolAlerts).toEqual([]);
    expect((await fails(carol, 'alert:acknowledge', { alertId: alert.id })).code).toBe('NOT_A_MEMBER');

    const again = await apiRequest(t.url, 'DELETE', '/v1/alert-channels/flooding-north/recipients/al-carol');
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('NOT_A_MEMBER');
  });

  it('updateAlertChannel renames the conversation live; an unknown department is refused and changes nothing', async () => {
    await t.server.store.directory.createDepartment({
      id: 'al-water',
      name: 'Water Board',
      description: null,
      openingHours: null,
      firstResponseSlaSec: null,
      agentIds: [],
    });
    const renamed = nextEvent(alice, 'conversation:updated', (c) => c.id === channel.conversationId && c.title === 'Flooding North district');
    const res = await apiRequest<AlertChannel>(t.url, 'PATCH', '/v1/alert-channels/flooding-north', {
      body: { name: 'Flooding North district', area: null, ackTimeoutSec: 600, escalationDepartmentId: 'al-water' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Flooding North district', area: null, topic: 'flooding', ackTimeoutSec: 600, escalationDepartmentId: 'al-water' });
    await renamed;

    const refused = await apiRequest(t.url, 'PATCH', '/v1/alert-channels/flooding-north', { body: { name: 'X', escalationDepartmentId: 'no-such-dept' } });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('DEPARTMENT_NOT_FOUND');
    expect((await apiRequest(t.url, 'GET', '/v1/alert-channels/flooding-north')).body).toEqual(res.body);

    // A new timeout applies to alerts posted afterwards.
    const alert = await postAlert(t, 'flooding-north', { title: 'Dyke seepage', body: '', severity: 'warning', source: 'patrol' });
    expect(Date.parse(alert.ackDeadlineAt ?? '') - Date.parse(alert.createdAt)).toBe(600_000);
    const back = await apiRequest<AlertChannel>(t.url, 'PATCH', '/v1/alert-channels/flooding-north', { body: { ackTimeoutSec: null, escalationDepartmentId: null } });
    expect(back.body).toMatchObject({ ackTimeoutSec: null, escalationDepartmentId: null });
  });

  it('listAlerts exports newest first, filtered by channel and time, a page at a time', async () => {
    await createAlertChannel(t, { id: 'heat-south', name: 'Heat South' });
    const posted: Alert[] = [];
    for (let i = 0; i < 3; i += 1) posted.push(await postAlert(t, 'heat-south', { title: `Heat ${i}`, body: '', severity: 'info', source: 'met' }));
    const page1 = await apiRequest<{ data: Alert[]; nextCursor: string | null }>(t.url, 'GET', '/v1/alerts?channelId=heat-south&limit=2');
    expect(page1.body.data).toHaveLength(2);
    expect(page1.body.nextCursor).not.toBeNull();
    const page2 = await apiRequest<{ data: Alert[]; nextCursor: string | null }>(
      t.url,
      'GET',
      `/v1/alerts?channelId=heat-south&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor ?? '')}`,
    );
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    // Every alert once, newest first (alerts of the same millisecond in a stable order).
    const walked = [...page1.body.data, ...page2.body.data];
    expect(walked.map((a) => a.id).sort()).toEqual(posted.map((a) => a.id).sort());
    const times = walked.map((a) => a.createdAt);
    expect(times).toEqual([...times].sort().reverse());

    const since = posted[1]?.createdAt ?? '';
    const fromSecond = await apiRequest<{ data: Alert[] }>(t.url, 'GET', `/v1/alerts?channelId=heat-south&since=${encodeURIComponent(since)}`);
    expect(fromSecond.body.data.every((a) => a.createdAt >= since)).toBe(true);
    expect(fromSecond.body.data.map((a) => a.id)).toEqual(expect.arrayContaining([posted[1]?.id, posted[2]?.id]));
    const beforeAll = await apiRequest<{ data: Alert[] }>(t.url, 'GET', `/v1/alerts?channelId=heat-south&until=${encodeURIComponent(posted[0]?.createdAt ?? '')}`);
    expect(beforeAll.body.data).toEqual([]);

    const all = await apiRequest<{ data: Alert[] }>(t.url, 'GET', '/v1/alerts?limit=200');
    expect(new Set(all.body.data.map((a) => a.channelId))).toEqual(new Set(['flooding-north', 'heat-south']));
  });
});

describe('alerts REST: bad input, authentication and unknown ids', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
    await createAlertChannel(t, { id: 'ops', name: 'Operations', memberIds: ['ops-1'] });
  });
  afterAll(async () => {
    await t.close();
  });

  const alertBody = { title: 'T', body: 'B', severity: 'info', source: 'src' };

  it('refuses bad input with 400 INVALID_REQUEST and stores nothing', async () => {
    const eventsBefore = (await apiRequest<{ data: unknown[] }>(t.url, 'GET', '/v1/events?limit=200')).body.data.length;
    const cases: [string, string, unknown?][] = [
      ['POST', '/v1/alert-channels', { name: 'No id' }],
      ['POST', '/v1/alert-channels', { id: 'Bad Id!', name: 'x' }],
      ['POST', '/v1/alert-channels', { id: 'ok-id', name: '' }],
      ['POST', '/v1/alert-channels', { id: 'ok-id', name: 'x', ackTimeoutSec: 0 }],
      ['POST', '/v1/alert-channels', { id: 'ok-id', name: 'x', ackTimeoutSec: 1.5 }],
      ['POST', '/v1/alert-channels', { id: 'ok-id', name: 'x', memberIds: ['a', 'a'] }],
      ['POST', '/v1/alert-channels', { id: 'ok-id', name: 'x', memberIds: ['has space'] }],
      ['POST', '/v1/alert-channels', { id: 'ok-id', name: 'x', extra: true }],
      ['POST', '/v1/alert-channels', 'not json'],
      ['GET', '/v1/alert-channels?limit=0'],
      ['GET', '/v1/alert-channels?unknown=1'],
      ['GET', '/v1/alert-channels/BAD%20ID'],
      ['PATCH', '/v1/alert-channels/ops', {}],
      ['PATCH', '/v1/alert-channels/ops', { name: null }],
      ['PATCH', '/v1/alert-channels/ops', { ackTimeoutSec: -1 }],
      ['POST', '/v1/alert-channels/ops/recipients', { userIds: [] }],
      ['POST', '/v1/alert-channels/ops/recipients', { users: ['x'] }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, severity: 'apocalyptic' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, title: '' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, title: 'x'.repeat(201) }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, body: 'x'.repeat(4001) }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, body: 'Water level\u0000 rising' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, body: '\u001b[31mFLOOD\u001b[0m' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, title: 'Flood\u0007' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, source: '' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, source: 'has space' }],
      ['POST', '/v1/alert-channels/ops/alerts', { ...alertBody, clientId: 'no spaces allowed' }],
      ['POST', '/v1/alert-channels/ops/alerts', { title: 'T', severity: 'info', source: 'src' }],
      ['GET', '/v1/alerts?since=yesterday'],
      ['GET', '/v1/alerts?channelId=UPPER'],
      ['GET', '/v1/alerts?cursor=bm90LWEtY3Vyc29y'],
      ['GET', '/v1/alerts/has%20space'],
    ];
    for (const [method, path, body] of cases) {
      const res = await apiRequest(t.url, method, path, body === undefined ? {} : { body });
      expect({ method, path, body, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, body, status: 400, code: 'INVALID_REQUEST' });
    }
    const channels = await apiRequest<{ data: AlertChannel[] }>(t.url, 'GET', '/v1/alert-channels');
    expect(channels.body.data.map((c) => c.id)).toEqual(['ops']);
    expect((await apiRequest(t.url, 'GET', '/v1/alert-channels/ops')).body).toMatchObject({ name: 'Operations', ackTimeoutSec: null });
    expect((await apiRequest<{ data: unknown[] }>(t.url, 'GET', '/v1/alerts')).body.data).toEqual([]);
    const members = await apiRequest<{ data: { userId: string }[] }>(t.url, 'GET', `/v1/conversations/${channels.body.data[0]?.conversationId}/members`);
    expect(members.body.data.map((m) => m.userId)).toEqual(['ops-1']);
    expect((await apiRequest<{ data: unknown[] }>(t.url, 'GET', '/v1/events?limit=200')).body.data.length).toBe(eventsBefore);
  });

  it('answers 401 UNAUTHENTICATED to every operation without valid credentials', async () => {
    const ops: [string, string, unknown?][] = [
      ['POST', '/v1/alert-channels', { id: 'x', name: 'x' }],
      ['GET', '/v1/alert-channels'],
      ['GET', '/v1/alert-channels/ops'],
      ['PATCH', '/v1/alert-channels/ops', { name: 'x' }],
      ['POST', '/v1/alert-channels/ops/recipients', { userIds: ['x'] }],
      ['DELETE', '/v1/alert-channels/ops/recipients/ops-1'],
      ['POST', '/v1/alert-channels/ops/alerts', alertBody],
      ['GET', '/v1/alerts'],
      ['GET', '/v1/alerts/al_x'],
    ];
    for (const [method, path, body] of ops) {
      for (const auth of [false, { key: 'PKtest', secret: 'wrong-secret' }] as const) {
        const res = await apiRequest(t.url, method, path, { auth, ...(body === undefined ? {} : { body }) });
        expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 401, code: 'UNAUTHENTICATED' });
      }
    }
    expect((await apiRequest<{ data: unknown[] }>(t.url, 'GET', '/v1/alerts')).body.data).toEqual([]);
    expect((await apiRequest(t.url, 'GET', '/v1/alert-channels/ops')).body).toMatchObject({ name: 'Operations' });
  });

  it('answers 404 with a stable code for unknown channels, alerts and departments (403 NOT_A_MEMBER for a non-recipient)', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/alert-channels', { id: 'new-one', name: 'x', escalationDepartmentId: 'no-dept' }, 'DEPARTMENT_NOT_FOUND'],
      ['GET', '/v1/alert-channels/nope', undefined, 'CHANNEL_NOT_FOUND'],
      ['PATCH', '/v1/alert-channels/nope', { name: 'x' }, 'CHANNEL_NOT_FOUND'],
      ['PATCH', '/v1/alert-channels/ops', { escalationDepartmentId: 'no-dept' }, 'DEPARTMENT_NOT_FOUND'],
      ['POST', '/v1/alert-channels/nope/recipients', { userIds: ['x'] }, 'CHANNEL_NOT_FOUND'],
      ['DELETE', '/v1/alert-channels/nope/recipients/ops-1', undefined, 'CHANNEL_NOT_FOUND'],
      ['POST', '/v1/alert-channels/nope/alerts', alertBody, 'CHANNEL_NOT_FOUND'],
      ['GET', '/v1/alerts?channelId=nope', undefined, 'CHANNEL_NOT_FOUND'],
      ['GET', '/v1/alerts/al_unknown', undefined, 'ALERT_NOT_FOUND'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await apiRequest(t.url, method, path, body === undefined ? {} : { body });
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 404, code });
    }
    const notRecipient = await apiRequest(t.url, 'DELETE', '/v1/alert-channels/ops/recipients/not-a-recipient');
    expect([notRecipient.status, notRecipient.body.error.code]).toEqual([403, 'NOT_A_MEMBER']);
    expect((await apiRequest<{ data: AlertChannel[] }>(t.url, 'GET', '/v1/alert-channels')).body.data.map((c) => c.id)).toEqual(['ops']);
    expect((await apiRequest<{ data: unknown[] }>(t.url, 'GET', '/v1/alerts')).body.data).toEqual([]);
  });

  it('PlazaApi alertChannels and alerts namespaces reach every operation', async () => {
    const api = new PlazaApi({ url: t.url, apiKey: TEST_KEY, apiSecret: TEST_SECRET, retries: 0 });
    const created = await api.alertChannels.create({ id: 'sdk-channel', name: 'SDK', area: 'Centre' });
    expect(await api.alertChannels.get('sdk-channel')).toEqual(created);
    expect((await api.alertChannels.update('sdk-channel', { topic: 'heat' })).topic).toBe('heat');
    expect((await api.alertChannels.list({ limit: 200 })).data.map((c) => c.id)).toEqual(['ops', 'sdk-channel']);
    expect((await api.alertChannels.recipients.add('sdk-channel', ['sdk-user'])).added.map((m) => m.userId)).toEqual(['sdk-user']);
    const alert = await api.alerts.post('sdk-channel', { title: 'Heat warning', body: '35 °C', severity: 'warning', source: 'met', clientId: 'k1' });
    expect(await api.alerts.get(alert.id)).toEqual(alert);
    expect((await api.alerts.list({ channelId: 'sdk-channel' })).data).toEqual([alert]);
    await api.alertChannels.recipients.remove('sdk-channel', 'sdk-user');
    const missing = await api.alerts.get('al_missing').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(PlazaApiError);
    expect((missing as PlazaApiError).code).toBe('ALERT_NOT_FOUND');
  });

  it('createAlertChannel with a taken id is CONFLICT and changes nothing', async () => {
    const res = await apiRequest(t.url, 'POST', '/v1/alert-channels', { body: { id: 'ops', name: 'Other', memberIds: ['intruder'] } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    const channel = (await apiRequest<AlertChannel>(t.url, 'GET', '/v1/alert-channels/ops')).body;
    expect(channel.name).toBe('Operations');
    const members = await apiRequest<{ data: { userId: string }[] }>(t.url, 'GET', `/v1/conversations/${channel.conversationId}/members`);
    expect(members.body.data.map((m) => m.userId)).toEqual(['ops-1']);
  });
});
