import { verifyWebhook } from '@plaza/server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerProcess, stopAllServers } from '../../../../test/helpers/ServerProcess.js';
import { closeRawSockets, openRawSocket, requestOk } from '../../../../test/helpers/rawSocket.js';
import { removeTempDirs } from '../../../../test/helpers/tempDirs.js';
import { TEST_API_KEY, TEST_API_SECRET, mintToken } from '../../../../test/helpers/tokens.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { apiRequest } from '../api/testing.js';
import { WebhookReceiver } from './testing.js';

/**
 * At least once across a crash: the real `plaza-server` process is SIGKILLed while a delivery is
 * on its way (committed, sent, not yet accepted) and restarted on the same data dir; the event is
 * delivered after the restart.
 */

const auth = { key: TEST_API_KEY, secret: TEST_API_SECRET };
let receiver: WebhookReceiver | undefined;

afterAll(async () => {
  closeRawSockets();
  await stopAllServers();
  await receiver?.close();
  removeTempDirs();
});

describe('webhook delivery across a crash', () => {
  it('an event whose delivery was in flight when the server was SIGKILLed is delivered after the restart', async () => {
    receiver = await WebhookReceiver.start();
    const r = receiver;
    // The receiver takes the request and never answers: the delivery stays in flight.
    r.behaviour = () => 'hang';
    const server = await ServerProcess.start({
      env: { PLAZA_CALLS: 'false', PLAZA_WEBHOOK_TIMEOUT_MS: '60000', PLAZA_WEBHOOK_RETRY_BASE_MS: '50', PLAZA_LOG_LEVEL: 'warn' },
    });
    const created = await apiRequest(server.url, 'POST', '/v1/webhooks', { body: { url: r.url, events: ['conversation.created'] }, auth });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;

    const socket = await openRawSocket(server.url, { token: await mintToken('dora') });
    const conversation = await requestOk<{ id: string }>(socket, 'conversation:create', { kind: 'group', title: 'Crash' });
    const eventId = await waitFor('the delivery to reach the receiver', () => r.requests[0]?.eventId, { timeoutMs: 15_000 });
    expect(r.accepted(eventId)).toBe(0);

    const exit = await server.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    closeRawSockets();
    r.behaviour = () => 204;
    await server.restart();

    await waitFor('the event to be accepted after the restart', () => r.accepted(eventId) >= 1, { timeoutMs: 20_000, describe: () => server.tail() });
    const accepted = r.of(eventId).find((q) => q.status === 204);
    const event = verifyWebhook(accepted!.body, accepted!.headers, secret);
    expect(event).toMatchObject({ id: eventId, type: 'conversation.created', data: { conversationId: conversation.id } });
    await waitFor('the delivery to be recorded', async () => {
      const res = await apiRequest(server.url, 'GET', `/v1/events/${eventId}`, { auth });
      return res.body.deliveries?.[0]?.status === 'delivered';
    });

    // Killed right after the commit (the event possibly not even fanned out yet): delivered after the restart too.
    const again = await openRawSocket(server.url, { token: await mintToken('dora') });
    const second = await requestOk<{ id: string }>(again, 'conversation:create', { kind: 'group', title: 'Crash 2' });
    await server.kill('SIGKILL');
    closeRawSockets();
    await server.restart();
    await waitFor(
      'the second event to be accepted',
      () => r.requests.some((q) => q.status === 204 && (JSON.parse(q.body) as { data: { conversationId: string } }).data.conversationId === second.id),
      { timeoutMs: 20_000, describe: () => server.tail() },
    );
  }, 90_000);
});
