import type { Alert } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../api/testing.js';
import { nextEvent, ok, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { ALERT_SYSTEM_USER } from './AlertService.js';
import { alertEvents, createAlertChannel, postAlert } from './alertsTesting.js';

describe('alerts: escalation of unacknowledged alerts to a department', () => {
  let t: TestServer;
  let recipient: RawSocket;
  let agent: RawSocket;
  let firstEscalated: Alert;

  beforeAll(async () => {
    // The desk's sweep runs every second; the channels' alerts are due after one second.
    // Messages of at most 1000 bytes: an escalated alert's longer body is cut to fit its request.
    t = await startTestServer({ deskSweepIntervalSec: 1, maxTextBytes: 1000 });
    await t.server.store.directory.createDepartment({
      id: 'esc-water',
      name: 'Water Board',
      description: null,
      openingHours: null,
      firstResponseSlaSec: null,
      agentIds: ['esc-agent'],
    });
    await createAlertChannel(t, { id: 'esc-levels', name: 'Water levels', ackTimeoutSec: 1, escalationDepartmentId: 'esc-water', memberIds: ['esc-watch'] });
    await createAlertChannel(t, { id: 'esc-noise', name: 'Noise', ackTimeoutSec: 1, memberIds: ['esc-watch'] });
    recipient = await t.connect('esc-watch');
    agent = await t.connect('esc-agent');
  });
  afterAll(async () => {
    await t.close();
  });

  it('an alert nobody acknowledged in time opens a request in the department queue, once, with alert:updated and alert.escalated', async () => {
    const opened = nextEvent(agent, 'request:updated', (e) => e.change === 'opened', 10_000);
    const escalatedLive = nextEvent(recipient, 'alert:updated', (a) => a.escalatedAt !== null, 10_000);
    const alert = await postAlert(t, 'esc-levels', { title: 'Reservoir overflow', body: 'Spillway gauge 2.3 m', severity: 'critical', source: 'reservoir-1' });
    expect(Date.parse(alert.ackDeadlineAt ?? '') - Date.parse(alert.createdAt)).toBe(1000);

    const escalated: Alert = await escalatedLive;
    expect(escalated).toMatchObject({ id: alert.id, acknowledgements: [], escalationRequestId: expect.any(String) });
    const requestId = escalated.escalationRequestId ?? '';

    const request = await t.server.store.requests.get(requestId);
    expect(request).toMatchObject({ departmentId: 'esc-water', citizenId: ALERT_SYSTEM_USER, topicId: 'alert', status: 'queued' });
    expect(request?.description).toContain('Reservoir overflow');
    expect(request?.description).toContain('Spillway gauge 2.3 m');
    expect((await opened).request.conversationId).toBe(requestId);
    const queue = await ok(agent, 'queue:list', { departmentId: 'esc-water' });
    expect(queue.map((q) => q.conversationId)).toContain(requestId);

    const events = await alertEvents(t, 'alert.escalated', alert.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({ conversationId: alert.conversationId, departmentId: 'esc-water', alert: { id: alert.id, escalationRequestId: requestId } });
    expect((await apiRequest<Alert>(t.url, 'GET', `/v1/alerts/${alert.id}`)).body).toEqual(escalated);

    firstEscalated = escalated;

    // A late acknowledgement is still recorded.
    const late = await ok(recipient, 'alert:acknowledge', { alertId: alert.id });
    expect(late.acknowledgements.map((a) => a.userId)).toEqual(['esc-watch']);
    expect(late.escalationRequestId).toBe(requestId);
  });

  it('an acknowledged alert does not escalate while an unacknowledged one of the same deadline does; nothing escalates twice', async () => {
    // Three seconds: time enough to acknowledge the first before its deadline.
    await apiRequest(t.url, 'PATCH', '/v1/alert-channels/esc-levels', { body: { ackTimeoutSec: 3 } });
    const acked = await postAlert(t, 'esc-levels', { title: 'Pipe burst', body: '', severity: 'warning', source: 'grid' });
    const ignored = await postAlert(t, 'esc-levels', { title: 'Pressure drop', body: 'ü'.repeat(1500), severity: 'warning', source: 'grid' });
    const escalatedLive = nextEvent(recipient, 'alert:updated', (a) => a.id === ignored.id && a.escalatedAt !== null, 15_000);
    await ok(recipient, 'alert:acknowledge', { alertId: acked.id });

    // The sweep that escalated the second one looked at the first too (its deadline is not later).
    await escalatedLive;
    expect((acked.ackDeadlineAt ?? '') <= (ignored.ackDeadlineAt ?? '')).toBe(true);
    expect((await apiRequest<Alert>(t.url, 'GET', `/v1/alerts/${acked.id}`)).body).toMatchObject({ escalatedAt: null, escalationRequestId: null });
    expect(await alertEvents(t, 'alert.escalated', acked.id)).toEqual([]);
    expect(await alertEvents(t, 'alert.escalated', ignored.id)).toHaveLength(1);

    // Several sweeps ran since the first escalation: it stayed one event and one request.
    expect(await alertEvents(t, 'alert.escalated', firstEscalated.id)).toHaveLength(1);
    const requests = await t.server.store.requests.list({ departmentId: 'esc-water', limit: 100 });
    const fromAlerts = requests.items.filter((r) => r.citizenId === ALERT_SYSTEM_USER);
    const ignoredRequestId = (await apiRequest<Alert>(t.url, 'GET', `/v1/alerts/${ignored.id}`)).body.escalationRequestId;
    expect(fromAlerts.map((r) => r.conversationId).sort()).toEqual([firstEscalated.escalationRequestId, ignoredRequestId].sort());

    // Its 3000-byte body was cut to the 1000-byte message limit, at a character boundary.
    const description = fromAlerts.find((r) => r.conversationId === ignoredRequestId)?.description ?? '';
    expect(description.startsWith('Unacknowledged warning alert from grid: Pressure drop')).toBe(true);
    expect(Buffer.byteLength(description, 'utf8')).toBeLessThanOrEqual(1000);
    expect(Buffer.byteLength(description, 'utf8')).toBeGreaterThan(990);
    expect(description).not.toContain('\uFFFD');
  });

  it('a channel without an escalation department escalates with the event only', async () => {
    const escalatedLive = nextEvent(recipient, 'alert:updated', (a) => a.channelId === 'esc-noise' && a.escalatedAt !== null, 10_000);
    const alert = await postAlert(t, 'esc-noise', { title: 'Noise above 85 dB', body: 'Main Sq', severity: 'info', source: 'noise-7' });
    const escalated = await escalatedLive;
    expect(escalated).toMatchObject({ id: alert.id, escalationRequestId: null });
    const events = await alertEvents(t, 'alert.escalated', alert.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.data.departmentId).toBeNull();
  });

  it('the webhook event types alert.created, alert.acknowledged and alert.escalated are all in the outbox', async () => {
    const res = await apiRequest<{ data: { type: string }[] }>(t.url, 'GET', '/v1/events?type=alert.*&limit=200');
    expect(new Set(res.body.data.map((e) => e.type))).toEqual(new Set(['alert.created', 'alert.acknowledged', 'alert.escalated']));
  });
});
