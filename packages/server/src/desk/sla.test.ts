import type { OpeningHours, Weekday } from '@plaza/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, nextEvent, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { eventually, makeDepartment, requestEvents } from './deskTesting.js';
import { describeNextOpening, nextOpening } from './openingHours.js';
import { DESK_SENDER_ID } from './requestNotices.js';

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Hours (UTC) open only on the weekday three days from today: closed now, whatever the time. */
function closedTodayHours(): OpeningHours {
  const day = WEEKDAYS[(new Date().getUTCDay() + 3) % 7] as Weekday;
  return { timezone: 'UTC', weekly: { [day]: [['08:00', '16:00']] } };
}

describe('citizen desk: first-response SLA and opening hours', () => {
  let t: TestServer;
  let citizen: RawSocket;
  let agent: RawSocket;
  let n = 0;
  const hours = closedTodayHours();

  beforeAll(async () => {
    // A 1 s sweep so a 1 s SLA is reported within a few seconds.
    t = await startTestServer({ calls: false, deskSweepIntervalSec: 1 });
    await makeDepartment(t, { id: 'fast', name: 'Fast Response', agentIds: ['sl-agent'], topicId: 'urgent', sla: 1 });
    await makeDepartment(t, { id: 'slow', name: 'Slow Response', agentIds: ['sl-agent'], topicId: 'routine', sla: 3600 });
    await makeDepartment(t, { id: 'night', name: 'Night Desk', agentIds: ['sl-agent'], topicId: 'after-hours', sla: 600, hours });
    citizen = await t.connect('sl-citizen');
    agent = await t.connect('sl-agent');
  });
  afterAll(async () => {
    await t.close();
  });

  it('an unanswered request past its SLA is marked missed: request.sla_missed, request:updated to the department, not to the citizen', async () => {
    expect(t.server.config.deskSweepIntervalSec).toBe(1);
    const citizenSaw = collect(citizen, 'request:updated');
    const request = await ok(citizen, 'request:open', { topicId: 'urgent', description: 'Gas smell', clientId: `sla-${++n}` });
    expect(request.slaDueAt).not.toBeNull();
    expect(Date.parse(request.slaDueAt ?? '') - Date.parse(request.createdAt)).toBe(1000);
    const missed = await nextEvent(agent, 'request:updated', (e) => e.change === 'sla_missed' && e.request.conversationId === request.conversationId, 15_000);
    expect(missed).toMatchObject({ actorId: null, request: { conversationId: request.conversationId, slaMissed: true, firstResponseAt: null } });
    const [event] = await eventually(async () => {
      const events = await requestEvents(t, 'request.sla_missed', request.conversationId);
      return events.length > 0 ? events : undefined;
    });
    expect(event?.data).toMatchObject({ actorId: null, request: { slaMissed: true, departmentId: 'fast' } });
    expect((await ok(citizen, 'request:get', { conversationId: request.conversationId })).slaMissed).toBe(true);
    await settle(citizen);
    expect(citizenSaw.map((e) => e.change)).toEqual(['opened']);
    // Marked once, however many sweeps run after.
    await settle(agent);
    expect(await requestEvents(t, 'request.sla_missed', request.conversationId)).toHaveLength(1);
  });

  it('the first agent message stops the SLA clock; the citizen\'s own messages do not', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'routine', description: 'Bench wobbles', clientId: `sla-${++n}` });
    expect(request.slaDueAt).not.toBeNull();
    await ok(citizen, 'message:send', { conversationId: request.conversationId, clientId: 'more-1', text: 'It is the one by the pond' });
    expect(await ok(citizen, 'request:get', { conversationId: request.conversationId })).toMatchObject({ firstResponseAt: null, slaDueAt: request.slaDueAt });
    await ok(agent, 'request:claim', { conversationId: request.conversationId });
    await ok(agent, 'message:send', { conversationId: request.conversationId, clientId: 'reply-1', text: 'Thanks, we will fix it' });
    const answered = await ok(citizen, 'request:get', { conversationId: request.conversationId });
    expect(answered.firstResponseAt).not.toBeNull();
    expect(answered.slaDueAt).toBeNull();
    expect(answered.slaMissed).toBe(false);
  });

  it('outside opening hours the citizen is told when it opens, and the SLA counts from that opening', async () => {
    const now = new Date();
    const opens = nextOpening(hours, now);
    expect(opens).not.toBeNull();
    const request = await ok(citizen, 'request:open', { topicId: 'after-hours', description: 'Streetlight buzzing', clientId: `sla-${++n}` });
    expect(Date.parse(request.slaDueAt ?? '')).toBe((opens as Date).getTime() + 600_000);
    const messages = (await ok(citizen, 'message:history', { conversationId: request.conversationId, limit: 10 })).messages;
    expect(messages.map((m) => [m.senderId, m.text])).toEqual([
      ['sl-citizen', 'Streetlight buzzing'],
      [DESK_SENDER_ID, 'Your request is with Night Desk.'],
      [DESK_SENDER_ID, `Night Desk is closed now; it opens ${describeNextOpening(hours, now)}.`],
    ]);
  });

  it('a transfer into a closed department posts its opening notice and restarts the SLA from its opening', async () => {
    const request = await ok(citizen, 'request:open', { topicId: 'routine', description: 'Needs the night desk', clientId: `sla-${++n}` });
    const moved = await ok(agent, 'request:transfer', { conversationId: request.conversationId, departmentId: 'night', note: 'night shift' });
    const opens = nextOpening(hours, new Date()) as Date;
    expect(Date.parse(moved.slaDueAt ?? '')).toBe(opens.getTime() + 600_000);
    const texts = (await ok(citizen, 'message:history', { conversationId: request.conversationId, limit: 10 })).messages.map((m) => m.text);
    expect(texts.slice(-2)).toEqual(['Your request was passed to Night Desk.', `Night Desk is closed now; it opens ${describeNextOpening(hours, new Date())}.`]);
  });

  it('an always-closed department (weekly: {}) queues requests with a notice that it has no opening ahead, and no SLA runs', async () => {
    await makeDepartment(t, { id: 'backoffice', name: 'Back Office', agentIds: ['sl-agent'], topicId: 'paperwork', sla: 60, hours: { timezone: 'UTC', weekly: {} } });
    const request = await ok(citizen, 'request:open', { topicId: 'paperwork', description: 'A form is missing', clientId: `sla-${++n}` });
    expect(request).toMatchObject({ status: 'queued', departmentId: 'backoffice', slaDueAt: null });
    const texts = (await ok(citizen, 'message:history', { conversationId: request.conversationId, limit: 10 })).messages.map((m) => m.text);
    expect(texts).toEqual([
      'A form is missing',
      'Your request is with Back Office.',
      'Back Office is closed now and has no opening hours ahead; an agent will answer when it reopens.',
    ]);
    expect((await ok(agent, 'queue:list', { departmentId: 'backoffice' })).map((q) => q.conversationId)).toEqual([request.conversationId]);
  });
});
