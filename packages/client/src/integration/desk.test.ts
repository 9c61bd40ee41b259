import { ErrorCode } from '@plaza/protocol';
import type { Alert, Message, RequestChange } from '@plaza/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Conversation } from '../Conversation.js';
import type { PlazaClient } from '../PlazaClient.js';
import { KEY, SECRET, startHarness, waitFor } from './harness.js';
import type { Harness } from './harness.js';

/** A real 1×1 PNG: the citizen's photo. */
const PHOTO = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** One REST call with the harness's API key; fails the test on an unexpected status. */
async function rest<T = unknown>(h: Harness, method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> {
  const res = await fetch(`${h.url}${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Two departments with one agent each, and a topic routed to each. */
async function seedCity(h: Harness): Promise<void> {
  await rest(h, 'POST', '/v1/departments', { id: 'public-lighting', name: 'Public Lighting', agentIds: ['lena'] });
  await rest(h, 'POST', '/v1/departments', { id: 'roads', name: 'Roads' });
  await rest(h, 'POST', '/v1/departments/roads/agents', { userIds: ['rolf'] });
  await rest(h, 'POST', '/v1/topics', { id: 'street-light', name: 'Broken street light', departmentId: 'public-lighting' });
  await rest(h, 'POST', '/v1/topics', { id: 'pothole', name: 'Pothole', departmentId: 'roads' });
}

/** Collects what an emitter says, to wait on later. */
function collect<T>(subscribe: (push: (value: T) => void) => void): T[] {
  const values: T[] = [];
  subscribe((v) => values.push(v));
  return values;
}

async function conversationOf(plaza: PlazaClient, conversationId: string): Promise<Conversation> {
  return plaza.conversations.find(conversationId) ?? plaza.conversations.get(conversationId);
}

const errorOf = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e);

describe('citizen desk against a real server', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
    await seedCity(h);
  });

  afterEach(async () => {
    await h.close();
  });

  it('a citizen reports with a photo; the agent sees it in the live queue, claims, both chat, the agent resolves and the citizen is told', async () => {
    const ana = await h.client('ana');
    const lena = await h.client('lena');
    const anaChanges = collect<RequestChange>((push) => ana.requests.on('requestUpdated', push));

    expect((await lena.desk.myDepartments()).map((d) => d.id)).toEqual(['public-lighting']);
    expect(await ana.desk.myDepartments()).toEqual([]);
    const queue = await lena.desk.watchQueue('public-lighting');
    expect(queue.items).toEqual([]);
    const queueChanges = collect<number>((push) => queue.on('changed', (items) => push(items.length)));

    const topics = await ana.requests.topics();
    expect(topics.map((t) => t.id).sort()).toEqual(['pothole', 'street-light']);

    const progress: number[] = [];
    const opened = await ana.requests.open({
      topicId: 'street-light',
      description: 'The lamp in front of Elm St 12 is out.',
      location: { lat: 52.52, lng: 13.405, address: 'Elm St 12' },
      photos: [PHOTO],
      clientId: 'report-elm-12',
      onProgress: (p) => progress.push(p.bytesSent),
    });
    const { request, conversation } = opened;
    expect(request).toMatchObject({ topicId: 'street-light', departmentId: 'public-lighting', citizenId: 'ana', status: 'queued', assigneeId: null });
    expect(request.location).toEqual({ lat: 52.52, lng: 13.405, address: 'Elm St 12' });
    expect(conversation.id).toBe(request.conversationId);
    expect(conversation.kind).toBe('request');
    expect(opened.photos?.attachments).toHaveLength(1);
    expect(opened.photos?.attachments[0]).toMatchObject({ size: PHOTO.length, mimeType: 'image/png', name: expect.stringMatching(/^photo-1/) });
    expect(progress.at(-1)).toBe(PHOTO.length);

    // Opening again with the same clientId answers the same request and sends the photo message once.
    const again = await ana.requests.open({ topicId: 'street-light', description: 'The lamp in front of Elm St 12 is out.', photos: [PHOTO], clientId: 'report-elm-12' });
    expect(again.request.conversationId).toBe(request.conversationId);
    expect(again.conversation).toBe(conversation);
    expect(again.photos?.id).toBe(opened.photos?.id);
    expect((await ana.requests.mine()).map((r) => r.conversationId)).toEqual([request.conversationId]);

    // The agent's live queue shows it, with the citizen's name.
    await waitFor(() => queue.items.length === 1, 10_000, 'the request in the live queue');
    expect(queue.items[0]).toMatchObject({ conversationId: request.conversationId, citizenName: 'Name of ana', status: 'queued' });
    expect(queue.items[0]?.waitingMs).toBeGreaterThanOrEqual(0);

    // Claim: it leaves the waiting queue, and the citizen hears of it.
    const claimed = await lena.desk.claim(request.conversationId);
    expect(claimed).toMatchObject({ status: 'claimed', assigneeId: 'lena' });
    await waitFor(() => queue.items.length === 0, 10_000, 'the claimed request to leave the queue');
    await waitFor(() => anaChanges.some((c) => c.change === 'claimed'), 10_000, 'the citizen to hear of the claim');
    expect(anaChanges.find((c) => c.change === 'claimed')).toMatchObject({ actorId: 'lena', request: { assigneeId: 'lena' } });
    expect(queueChanges.length).toBeGreaterThanOrEqual(2);

    // The agent is a member now: both chat, and the agent sees the photo the citizen sent.
    const lenaConv = await conversationOf(lena, request.conversationId);
    const history = await lenaConv.history({ limit: 50 });
    expect(history.messages.some((m) => m.attachments.some((a) => a.fileId === opened.photos?.attachments[0]?.fileId))).toBe(true);
    expect(history.messages.some((m) => m.text === 'The lamp in front of Elm St 12 is out.' && m.senderId === 'ana')).toBe(true);
    const anaGot = collect<Message>((push) => conversation.on('message', push));
    const lenaGot = collect<Message>((push) => lenaConv.on('message', push));
    await lenaConv.send('Hello Ana, a crew is on its way.');
    await waitFor(() => anaGot.some((m) => m.text === 'Hello Ana, a crew is on its way.'), 10_000, 'the agent message at the citizen');
    await conversation.send('Thank you!');
    await waitFor(() => lenaGot.some((m) => m.text === 'Thank you!'), 10_000, 'the citizen reply at the agent');

    // Resolve: the citizen gets requestUpdated with the resolution.
    const resolved = await lena.desk.resolve(request.conversationId, 'The lamp was replaced.');
    expect(resolved).toMatchObject({ status: 'resolved', resolution: 'The lamp was replaced.' });
    await waitFor(() => anaChanges.some((c) => c.change === 'resolved'), 10_000, 'the citizen to hear of the resolution');
    expect(anaChanges.find((c) => c.change === 'resolved')?.request).toMatchObject({ status: 'resolved', resolution: 'The lamp was replaced.' });
    expect((await ana.requests.mine('resolved')).map((r) => r.conversationId)).toEqual([request.conversationId]);
    expect(await ana.requests.mine('queued')).toEqual([]);

    // The citizen reopens: it is back in the live queue.
    const reopened = await ana.requests.reopen(request.conversationId, 'It went out again tonight.');
    expect(reopened.status).toBe('queued');
    await waitFor(() => queue.items.length === 1, 10_000, 'the reopened request in the live queue');
    expect(queue.items[0]?.conversationId).toBe(request.conversationId);
    queue.close();
  });

  it('a transfer moves the request, with its note, from one live queue to the other', async () => {
    const ana = await h.client('ana');
    const lena = await h.client('lena');
    const rolf = await h.client('rolf');
    const lighting = await lena.desk.watchQueue('public-lighting');
    const roads = await rolf.desk.watchQueue('roads');
    const { request } = await ana.requests.open({ topicId: 'street-light', description: 'There is a hole under the lamp post.' });
    await waitFor(() => lighting.items.length === 1, 10_000, 'the request in the lighting queue');
    await lena.desk.claim(request.conversationId);

    const moved = await lena.desk.transfer(request.conversationId, 'roads', 'A pothole, not a lamp.');
    expect(moved).toMatchObject({ departmentId: 'roads', status: 'queued', assigneeId: null, transferNote: 'A pothole, not a lamp.' });
    await waitFor(() => roads.items.length === 1, 10_000, 'the request in the roads queue');
    expect(roads.items[0]).toMatchObject({ conversationId: request.conversationId, transferNote: 'A pothole, not a lamp.', citizenName: 'Name of ana' });
    expect(lighting.items).toEqual([]);
    // The previous assignee can no longer act on it.
    expect(await errorOf(lena.desk.resolve(request.conversationId))).toMatchObject({ code: expect.stringMatching(/^(FORBIDDEN_ROLE|PERMISSION_DENIED|CONFLICT)$/) });
  });

  it('bad input and refusals: a clear code and nothing changed', async () => {
    const ana = await h.client('ana');
    const lena = await h.client('lena');
    const rolf = await h.client('rolf');

    expect(await errorOf(ana.requests.open({ topicId: 'graffiti', description: 'Paint on the wall' }))).toMatchObject({ code: ErrorCode.TOPIC_NOT_FOUND });
    expect(await ana.requests.mine()).toEqual([]);
    expect(await errorOf(ana.desk.queue('public-lighting'))).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
    expect(await errorOf(ana.desk.watchQueue('public-lighting'))).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
    expect(await errorOf(ana.requests.get('c_doesnotexist'))).toMatchObject({ code: ErrorCode.REQUEST_NOT_FOUND });

    const { request } = await ana.requests.open({ topicId: 'street-light', description: 'Lamp flickers' });
    // Only agents of its department may claim; the first claim wins.
    expect(await errorOf(rolf.desk.claim(request.conversationId))).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
    await lena.desk.claim(request.conversationId);
    expect(await errorOf(lena.desk.claim(request.conversationId))).toMatchObject({ code: ErrorCode.CONFLICT });
    expect(await errorOf(lena.desk.transfer(request.conversationId, 'parks', 'not ours'))).toMatchObject({ code: ErrorCode.DEPARTMENT_NOT_FOUND });
    expect(await errorOf(rolf.requests.get(request.conversationId))).toMatchObject({ code: ErrorCode.PERMISSION_DENIED });
    expect(await lena.requests.get(request.conversationId)).toMatchObject({ status: 'claimed', assigneeId: 'lena', departmentId: 'public-lighting' });
  });

  it('a live queue fetches what it missed while the agent was offline', async () => {
    const ana = await h.client('ana');
    const lena = await h.client('lena');
    const queue = await lena.desk.watchQueue('public-lighting');
    const first = await ana.requests.open({ topicId: 'street-light', description: 'Lamp 1 is out' });
    await waitFor(() => queue.items.length === 1, 10_000, 'the first request in the queue');

    await lena.disconnect();
    const second = await ana.requests.open({ topicId: 'street-light', description: 'Lamp 2 is out' });
    await lena.connect(() => h.token('lena'));
    await waitFor(() => queue.items.length === 2, 10_000, 'the request opened while offline');
    expect(queue.items.map((i) => i.conversationId)).toEqual([first.request.conversationId, second.request.conversationId]);
  });

  it('alerts: a posted alert reaches the recipient, who lists and acknowledges it; everyone hears of the acknowledgement', async () => {
    const ana = await h.client('ana');
    const ben = await h.client('ben');
    await rest(h, 'POST', '/v1/alert-channels', { id: 'flooding-north', name: 'Flooding north', area: 'North', memberIds: ['ana', 'ben'] });
    const anaAlerts = collect<Alert>((push) => ana.alerts.on('alert', push));
    const benUpdates = collect<Alert>((push) => ben.alerts.on('alertUpdated', push));

    const posted = await rest<Alert>(h, 'POST', '/v1/alert-channels/flooding-north/alerts', {
      title: 'River level high',
      body: 'The river at the north bridge is 40 cm above the warning level.',
      severity: 'warning',
      source: 'flood-sensor-7',
    });
    await waitFor(() => anaAlerts.length === 1, 10_000, 'the alert at the recipient');
    expect(anaAlerts[0]).toMatchObject({ id: posted.id, channelId: 'flooding-north', severity: 'warning', acknowledgements: [] });
    expect((await ana.alerts.list({ channelId: 'flooding-north', limit: 10 })).map((a) => a.id)).toEqual([posted.id]);

    const acked = await ana.alerts.acknowledge(posted.id);
    expect(acked.acknowledgements.map((a) => a.userId)).toEqual(['ana']);
    await waitFor(() => benUpdates.some((a) => a.acknowledgements.some((x) => x.userId === 'ana')), 10_000, 'the acknowledgement at the other recipient');
    // Again: no change.
    expect((await ana.alerts.acknowledge(posted.id)).acknowledgements).toHaveLength(1);
    expect(await errorOf(ana.alerts.acknowledge('al_doesnotexist'))).toMatchObject({ code: ErrorCode.ALERT_NOT_FOUND });
    expect(await errorOf(ana.alerts.list({ channelId: 'nowhere' }))).toMatchObject({ code: ErrorCode.CHANNEL_NOT_FOUND });
    // Someone who does not receive the channel neither lists nor acknowledges its alerts.
    const lena = await h.client('lena');
    expect(await errorOf(lena.alerts.list({ channelId: 'flooding-north' }))).toMatchObject({ code: ErrorCode.NOT_A_MEMBER });
    expect(await errorOf(lena.alerts.acknowledge(posted.id))).toMatchObject({ code: ErrorCode.NOT_A_MEMBER });
    expect(await lena.alerts.list()).toEqual([]);
    expect((await ben.alerts.list()).map((a) => a.acknowledgements.length)).toEqual([1]);
  });
});
