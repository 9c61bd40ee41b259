import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert, CitizenRequest, Message } from '@plaza/protocol';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertChannel, postAlert } from '../desk/alertsTesting.js';
import { makeDepartment } from '../desk/deskTesting.js';
import { DESK_SENDER_ID } from '../desk/requestNotices.js';
import { filesUnder, uploadBytes } from '../files/testing.js';
import { collect, ok, settle, startTestServer } from '../testing/harness.js';
import type { RawSocket, TestServer } from '../testing/harness.js';
import { scanDatabase } from './erasureTesting.js';
import { apiRequest } from './testing.js';

/** A user id that appears nowhere by chance: citizen, agent and alert recipient at once. */
const VICTIM = 'desk-erase-5Kp2';
/** What the victim wrote as citizen (description, address, reopen reason): personal data. */
const DESCRIPTION = 'Lamp dark in front of Birch Lane 9';
const ADDRESS = 'Birch Lane 9, back door';
const REASON = 'Still dark, call me on 555-0199';

type RequestWithHistory = CitizenRequest & { history: { change: string; actorId: string | null; note: string | null }[] };

describe('DELETE /v1/users/{userId}: the citizen desk', { timeout: 30_000 }, () => {
  let t: TestServer;
  let dbFile: string;
  let filesDir: string;
  let victim: RawSocket;
  let cy: RawSocket;
  let own: CitizenRequest; // opened by the victim, with photo and location, reopened with a reason
  let handled: CitizenRequest; // cy's, claimed and transferred by the victim
  let kept: CitizenRequest; // cy's, still claimed by the victim
  let photoId: string;
  let alert: Alert;

  beforeAll(async () => {
    t = await startTestServer();
    dbFile = join(t.server.config.dataDir, 'plaza.db');
    filesDir = join(t.server.config.dataDir, 'files');
    await makeDepartment(t, { id: 'de-lighting', name: 'Public Lighting', agentIds: ['de-ben'], topicId: 'de-street-light' });
    await makeDepartment(t, { id: 'de-roads', name: 'Roads', agentIds: [VICTIM, 'de-ray'], topicId: 'de-pothole' });
    const victimToken = await t.token(VICTIM, { canUploadFiles: true });
    victim = await t.connect(VICTIM, { token: victimToken });
    const ben = await t.connect('de-ben');
    cy = await t.connect('de-cy');

    // As citizen: a request with location and a photo, resolved by ben, reopened with a reason.
    own = await ok(victim, 'request:open', {
      topicId: 'de-street-light',
      description: DESCRIPTION,
      location: { lat: 52.5, lng: 13.4, address: ADDRESS },
      clientId: `${VICTIM}-r1`,
    });
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#334455' } }).jpeg().toBuffer();
    photoId = (await uploadBytes(t.url, victimToken, photo, { conversationId: own.conversationId, filename: 'lamp.jpg' })).fileId as string;
    await ok(victim, 'message:send', { conversationId: own.conversationId, clientId: 'p1', text: 'Photo of the lamp', attachments: [photoId] });
    await ok(ben, 'request:claim', { conversationId: own.conversationId });
    await ok(ben, 'message:send', { conversationId: own.conversationId, clientId: 'b1', text: 'We will send a crew.' });
    await ok(ben, 'request:resolve', { conversationId: own.conversationId, resolution: 'Bulb replaced' });
    await ok(victim, 'request:reopen', { conversationId: own.conversationId, reason: REASON });

    // As agent of Roads: claims and transfers one of cy's requests, claims another and keeps it.
    handled = await ok(cy, 'request:open', { topicId: 'de-pothole', description: 'Pothole on Oak Road', clientId: 'c1' });
    await ok(victim, 'request:claim', { conversationId: handled.conversationId });
    await ok(victim, 'message:send', { conversationId: handled.conversationId, clientId: 'v1', text: 'Looking into it' });
    await ok(victim, 'request:transfer', { conversationId: handled.conversationId, departmentId: 'de-lighting', note: 'Needs the lighting crew' });
    kept = await ok(cy, 'request:open', { topicId: 'de-pothole', description: 'Another pothole', clientId: 'c2' });
    await ok(victim, 'request:claim', { conversationId: kept.conversationId });

    // As alert recipient: acknowledges an alert.
    await createAlertChannel(t, { id: 'de-floods', name: 'Flood warnings', memberIds: [VICTIM, 'de-ben'] });
    alert = await postAlert(t, 'de-floods', { title: 'River level high', body: 'Gauge 3 above 4 m', severity: 'warning', source: 'gauge-3' });
    await ok(victim, 'alert:acknowledge', { alertId: alert.id });
  });
  afterAll(async () => {
    await t.close();
  });

  it('leaves no row naming the user, no personal text, no photo; the requests, their history and the acknowledgement stay under the pseudonym', async () => {
    expect(scanDatabase(dbFile, VICTIM)).toEqual(expect.arrayContaining(['requests.citizen_id', 'requests.assignee_id', 'request_events.actor_id', 'department_agents.user_id', 'alert_acks.user_id']));
    expect(scanDatabase(dbFile, 'Birch Lane').length).toBeGreaterThan(0);
    expect(filesUnder(filesDir).filter((f) => f.includes(photoId)).length).toBeGreaterThan(1); // original and thumbnail
    const cySaw = collect(cy, 'message:updated');

    const res = await apiRequest(t.url, 'DELETE', `/v1/users/${VICTIM}`);
    expect(res.status).toBe(200);
    const { pseudonym, counts } = res.body as { pseudonym: string; counts: Record<string, number> };
    // requestEvents: opened and reopened (own), claimed and transferred (handled), claimed (kept).
    expect(counts).toMatchObject({ files: 1, requests: 1, requestsAssigned: 1, requestEvents: 5, departments: 1, alertAcknowledgements: 1 });

    for (const needle of [VICTIM, 'Birch Lane', '555-0199']) expect(scanDatabase(dbFile, needle)).toEqual([]);
    expect(filesUnder(filesDir).filter((f) => f.includes(photoId))).toEqual([]);
    // Not even in free pages or the WAL (the erasure's secure_delete and checkpoint).
    for (const file of [dbFile, `${dbFile}-wal`].filter((f) => existsSync(f))) {
      const bytes = readFileSync(file);
      for (const needle of [VICTIM, 'Birch Lane', '555-0199']) expect(bytes.includes(needle)).toBe(false);
    }

    // What the city keeps: the request, its department, status, timestamps and history.
    const mine = (await apiRequest<RequestWithHistory>(t.url, 'GET', `/v1/requests/${own.conversationId}`)).body;
    expect(mine).toMatchObject({ citizenId: pseudonym, description: '[erased]', location: null, status: 'queued', departmentId: 'de-lighting', createdAt: own.createdAt });
    expect(mine.history.map((h) => [h.change, h.actorId, h.note])).toEqual([
      ['opened', pseudonym, null],
      ['claimed', 'de-ben', null],
      ['resolved', 'de-ben', 'Bulb replaced'],
      ['reopened', pseudonym, null],
    ]);
    const passed = (await apiRequest<RequestWithHistory>(t.url, 'GET', `/v1/requests/${handled.conversationId}`)).body;
    expect(passed).toMatchObject({ citizenId: 'de-cy', description: 'Pothole on Oak Road', status: 'queued', departmentId: 'de-lighting', transferNote: 'Needs the lighting crew' });
    expect(passed.history.map((h) => [h.change, h.actorId])).toEqual([
      ['opened', 'de-cy'],
      ['claimed', pseudonym],
      ['transferred', pseudonym],
    ]);
    expect((await apiRequest<CitizenRequest>(t.url, 'GET', `/v1/requests/${kept.conversationId}`)).body).toMatchObject({ status: 'claimed', assigneeId: pseudonym });
    const acked = (await apiRequest<Alert>(t.url, 'GET', `/v1/alerts/${alert.id}`)).body;
    expect(acked.acknowledgements).toEqual([{ userId: pseudonym, at: expect.any(String) }]);
    expect((await apiRequest<{ agentIds: string[] }>(t.url, 'GET', '/v1/departments/de-roads')).body.agentIds).toEqual(['de-ray']);

    // The desk's notices: the claim names "An agent", the reopen notice lost the citizen's reason; cy sees it live.
    const notices = async (conversationId: string) =>
      ((await apiRequest<{ data: Message[] }>(t.url, 'GET', `/v1/conversations/${conversationId}/messages?limit=100`)).body.data)
        .filter((m) => m.senderId === DESK_SENDER_ID)
        .map((m) => m.text);
    expect(await notices(handled.conversationId)).toEqual([
      'Your request is with Roads.',
      'An agent of Roads is now handling your request.',
      'Your request was passed to Public Lighting.',
    ]);
    expect(await notices(own.conversationId)).toContain('Your request was reopened and is back with Public Lighting.');
    await settle(cy);
    expect(cySaw.map((m: Message) => m.text)).toContain('An agent of Roads is now handling your request.');
  });
});
