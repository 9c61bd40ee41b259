import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { CallJoined, Grants } from '@plaza/protocol';
import { BotCommandError, CallBot, stopAllBots } from '../helpers/callBot.js';
import { liveMediaObjects, readMetric } from '../helpers/metrics.js';
import { closeRawSockets, openRawSocket, request, requestOk } from '../helpers/rawSocket.js';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/**
 * Calls with real media: one server (one mediasoup worker, loopback), `@plaza/client` bots on
 * `@roamhq/wrtc` in child processes that publish generated VP8 video and a tone and count what
 * they receive. Run inside a loopback-only network namespace (`pnpm test` does:
 * scripts/isolated.mjs).
 */

const GRACE_MS = 1500;
const RING_TIMEOUT_SEC = 3;

let server: ServerProcess;
let organiser: PlazaClient;
let groupId: string;
const bots: Record<string, CallBot> = {};
const plainClients: PlazaClient[] = [];

/** A client without media in this process (signaling only: conversations, rings). */
async function plainClient(userId: string): Promise<PlazaClient> {
  const client = new PlazaClient(server.url, { logger: silentLogger, reconnectPolicy: { nextDelayMs: () => 100 } });
  await client.connect(() => mintToken(userId));
  plainClients.push(client);
  return client;
}

async function startBot(userId: string, grants?: Grants): Promise<CallBot> {
  const bot = await CallBot.start(userId);
  await bot.connect(server.url, await mintToken(userId, grants ? { grants } : {}));
  bots[userId] = bot;
  return bot;
}

beforeAll(async () => {
  server = await ServerProcess.start({
    env: {
      PLAZA_MEDIA_WORKERS: '1',
      PLAZA_RTC_LISTEN_IP: '127.0.0.1',
      PLAZA_CALL_REJOIN_GRACE_MS: String(GRACE_MS),
      PLAZA_RING_TIMEOUT_SEC: String(RING_TIMEOUT_SEC),
    },
  });
  await Promise.all([
    startBot('ana'),
    startBot('ben'),
    startBot('cleo', { canPublish: ['microphone'] }),
    startBot('eve'),
    startBot('rita'),
  ]);
  organiser = await plainClient('organiser');
  // dan (receives nothing) exists once he connected once.
  (await openRawSocket(server.url, { token: await mintToken('dan', { grants: { canSubscribe: false } }) })).disconnect();
  const group = await organiser.conversations.create({ kind: 'group', title: 'Road works', memberIds: ['ana', 'ben', 'cleo', 'dan', 'eve'] });
  groupId = group.id;
}, 60_000);

afterAll(async () => {
  await stopAllBots();
  await Promise.allSettled(plainClients.map((c) => c.disconnect()));
  closeRawSockets();
  await stopAllServers();
  removeTempDirs();
});

describe('media between Node bots', () => {
  it('data messages sent right after both participants joined and see each other arrive, all of them, in order', async () => {
    const { ana, ben } = bots as Record<'ana' | 'ben', CallBot>;
    await ana.join(groupId);
    const { participantId: benId } = await ben.join(groupId);
    // Ben's join resolved and Ben sees Ana (in the join answer); Ana sees Ben once his join is announced.
    await ana.waitForEvent((e) => e.event === 'participantJoined' && e.participantId === benId, 10_000, 'Ben joining at Ana');
    await Promise.all([ana.sendData('a1', 'a2', 'a3'), ben.sendData('b1', 'b2', 'b3')]);
    await ana.sendData('a4');
    await ben.sendData('b4');
    const received = (bot: CallBot) => bot.events.filter((e) => e.event === 'data').map((e) => `${e.userId as string}:${e.data as string}`);
    await waitFor('every data message to arrive', () => received(ben).length >= 4 && received(ana).length >= 4, {
      timeoutMs: 10_000,
      describe: () => `at Ben: ${received(ben).join(' ')}; at Ana: ${received(ana).join(' ')}\n${ana.tail()}\n${ben.tail()}`,
    });
    expect(received(ben)).toEqual(['ana:a1', 'ana:a2', 'ana:a3', 'ana:a4']);
    expect(received(ana)).toEqual(['ben:b1', 'ben:b2', 'ben:b3', 'ben:b4']);
    await ana.command('leave');
    await ben.command('leave');
  });

  it('published camera video and microphone audio arrive at the other participant, and the other way round', async () => {
    const { ana, ben } = bots as Record<'ana' | 'ben', CallBot>;
    await ana.join(groupId);
    await ben.join(groupId);
    await ana.publish('camera');
    await ana.publish('microphone');
    await ben.publish('camera');

    const atBen = await ben.waitForFlowing((t) => t.userId === 'ana', { count: 2 });
    expect(atBen.map((t) => t.source).sort()).toEqual(['camera', 'microphone']);
    expect(atBen.find((t) => t.source === 'camera')).toMatchObject({ kind: 'video', width: 320, height: 240 });
    const atAna = await ana.waitForFlowing((t) => t.userId === 'ben', { count: 1 });
    expect(atAna[0]).toMatchObject({ source: 'camera', kind: 'video' });
  });

  it('a user without the camera grant gets PERMISSION_DENIED for the camera and nothing is published', async () => {
    const { ana, cleo } = bots as Record<'ana' | 'cleo', CallBot>;
    const producersBefore = (await readMetric(server.url, 'plaza_media_objects', 'type')).get('producer');
    const { participantId } = await cleo.join(groupId);
    await ana.waitForEvent((e) => e.event === 'participantJoined' && e.participantId === participantId, 10_000, 'cleo joining');

    const refused = await cleo.publish('camera').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BotCommandError);
    expect((refused as BotCommandError).code).toBe('PERMISSION_DENIED');

    expect((await readMetric(server.url, 'plaza_media_objects', 'type')).get('producer')).toBe(producersBefore);
    const cleoAtAna = (await ana.command<{ participantId: string; tracks: unknown[] }[]>('participants')).find((p) => p.participantId === participantId);
    expect(cleoAtAna?.tracks).toEqual([]);
    expect(ana.events.filter((e) => e.event === 'trackPublished' && e.participantId === participantId)).toEqual([]);
    await cleo.command('leave');
  });

  it('a user who may not subscribe gets no receive transport and consume is refused', async () => {
    const socket = await openRawSocket(server.url, { token: await mintToken('dan', { grants: { canSubscribe: false } }) });
    const joined = await requestOk<CallJoined>(socket, 'call:join', { conversationId: groupId });
    expect(joined.recvTransport).toBeNull();
    expect(joined.sendTransport).not.toBeNull();
    const anaCamera = joined.call.participants.find((p) => p.userId === 'ana')?.tracks.find((t) => t.source === 'camera');
    expect(anaCamera).toBeDefined();

    const consumersBefore = (await readMetric(server.url, 'plaza_media_objects', 'type')).get('consumer');
    const answer = await request(socket, 'call:consume', {
      callId: joined.call.id,
      trackId: anaCamera!.id,
      rtpCapabilities: joined.routerRtpCapabilities,
    });
    expect(answer).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect((await readMetric(server.url, 'plaza_media_objects', 'type')).get('consumer')).toBe(consumersBefore);
    await requestOk(socket, 'call:leave', { callId: joined.call.id });
    socket.disconnect();
  });

  it('a bot killed with SIGKILL leaves on every other participant after the grace period, and its media objects are closed', async () => {
    const { ana, ben, eve } = bots as Record<'ana' | 'ben' | 'eve', CallBot>;
    await waitFor('the media objects of the call to settle', async () => (await liveMediaObjects(server.url)).transport === 4);
    const before = await liveMediaObjects(server.url);
    const { participantId } = await eve.join(groupId);
    await eve.publish('camera');
    await ben.waitForFlowing((t) => t.userId === 'eve', { count: 1 });

    await eve.kill('SIGKILL');
    const killedAt = Date.now();
    for (const bot of [ana, ben]) {
      const left = await bot.waitForEvent((e) => e.event === 'participantLeft' && e.participantId === participantId, GRACE_MS + 10_000, 'eve leaving');
      expect(left.reason).toBe('disconnected');
    }
    // It stays for the grace period (a reconnecting device may take its place back).
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(GRACE_MS - 200);
    expect((await ben.stats()).tracks.filter((t) => t.userId === 'eve')).toEqual([]);
    await waitFor('eve’s transports, producer and consumers to be closed', async () => {
      const now = await liveMediaObjects(server.url);
      return JSON.stringify(now) === JSON.stringify(before);
    }, { describe: () => `before: ${JSON.stringify(before)}` });
  });

  it('after churn (joins, leaves, publishes, unpublishes by several bots) every media object but the worker is closed', async () => {
    const { ana, ben, cleo } = bots as Record<'ana' | 'ben' | 'cleo', CallBot>;
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        (async () => {
          await ben.command('leave');
          await ben.join(groupId);
          await ben.publish('camera');
          await ben.publish('microphone');
        })(),
        (async () => {
          await ana.command('unpublish', { source: 'camera' });
          await ana.publish('camera');
          await ana.command('unpublish', { source: 'microphone' });
        })(),
        (async () => {
          await cleo.join(groupId);
          await cleo.publish('microphone');
          await cleo.command('leave');
        })(),
      ]);
      await ana.publish('microphone');
    }
    // Media still flows after the churn.
    await ben.waitForFlowing((t) => t.userId === 'ana', { count: 2 });
    await ana.waitForFlowing((t) => t.userId === 'ben', { count: 2 });

    await ana.command('leave');
    await ben.command('leave');
    await waitFor('every media object but the worker to be closed', async () => Object.keys(await liveMediaObjects(server.url)).length === 0, {
      describe: () => `server output:\n${server.tail(2000)}`,
    });
    expect((await readMetric(server.url, 'plaza_media_objects', 'type')).get('worker')).toBe(1);
    expect((await readMetric(server.url, 'plaza_calls_active')).get('')).toBe(0);
    // A process that carried media closes everything and exits on its own terms (no abort at exit).
    expect(await cleo.exit()).toEqual({ code: 0, signal: null });
  });
});

describe('ringing through the SDK', () => {
  it('after a server restart the call is gone: the client comes back, is answered CALL_NOT_FOUND and leaves with reason ended, starting nothing', async () => {
    const restartable = await ServerProcess.start({ env: { PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1' } });
    const gus = await CallBot.start('gus');
    const admin = new PlazaClient(restartable.url, { logger: silentLogger });
    try {
      await gus.connect(restartable.url, await mintToken('gus'));
      await admin.connect(() => mintToken('admin'));
      const conversation = await admin.conversations.create({ kind: 'group', title: 'Night shift', memberIds: ['gus'] });
      await admin.disconnect();
      await gus.join(conversation.id);
      await gus.publish('microphone');

      await restartable.kill('SIGKILL');
      await restartable.restart();
      const left = await gus.waitForEvent((e) => e.event === 'left', 20_000, 'the call to end after the restart');
      expect(left.reason).toBe('ended');
      // Nothing was started: the restarted server has no live call.
      expect((await readMetric(restartable.url, 'plaza_call_participants')).get('') ?? 0).toBe(0);
      expect(gus.events.filter((e) => e.event === 'reconnected')).toEqual([]);
    } finally {
      await gus.exit().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });

  it('rings both devices of the callee; declined, cancelled, timed out, and answered on one device ends it on the other', async () => {
    const { ana, rita } = bots as Record<'ana' | 'rita', CallBot>;
    const anaPhone = await plainClient('ana');
    const direct = await anaPhone.conversations.openDirect('rita');
    const ritaPhone = await plainClient('rita');
    const phoneRings: { callId: string; decline(): Promise<void> }[] = [];
    const phoneEnded: { callId: string; reason: string }[] = [];
    ritaPhone.calls.on('ringing', (ring) => phoneRings.push(ring));
    ritaPhone.calls.on('ringEnded', (event) => phoneEnded.push(event));

    const { callId } = await ana.join(direct.id);
    const ring = async () => {
      const before = phoneRings.length;
      await ana.command('ring');
      await waitFor('the ring to reach rita’s phone', () => phoneRings.length > before);
      return phoneRings.at(-1)!;
    };

    // Declined on the phone: the ring ends on the caller and on rita's other device.
    const first = await ring();
    expect(first.callId).toBe(callId);
    await rita.waitForEvent((e) => e.event === 'ringing' && e.callId === callId, 5000, 'ringing on the second device');
    await first.decline();
    await ana.waitForEvent((e) => e.event === 'ringEnded' && e.reason === 'declined', 5000, 'declined at the caller');
    await rita.waitForEvent((e) => e.event === 'ringEnded' && e.reason === 'declined', 5000, 'declined on the other device');

    // Cancelled by the caller.
    await ring();
    await ana.command('cancelRing');
    await waitFor('cancelled on the phone', () => phoneEnded.some((e) => e.reason === 'cancelled'));

    // Nobody answers: it times out.
    const timedOutAt = Date.now();
    await ring();
    await waitFor('timeout on the phone', () => phoneEnded.some((e) => e.reason === 'timeout'), { timeoutMs: RING_TIMEOUT_SEC * 1000 + 5000 });
    expect(Date.now() - timedOutAt).toBeGreaterThanOrEqual(RING_TIMEOUT_SEC * 1000 - 500);

    // Answered on the bot: the phone stops ringing with 'answered'.
    const answeredBefore = phoneEnded.length;
    await ring();
    await rita.waitForEvent((e) => e.event === 'ringing' && rita.events.filter((x) => x.event === 'ringing').indexOf(e) >= 3, 5000, 'the fourth ring');
    const accepted = await rita.command<{ callId: string }>('accept', { callId });
    expect(accepted.callId).toBe(callId);
    await waitFor('answered on the phone', () => phoneEnded.slice(answeredBefore).some((e) => e.reason === 'answered'));
    await ana.waitForEvent((e) => e.event === 'participantJoined' && e.userId === 'rita', 5000, 'rita in the call');
    expect(phoneEnded.map((e) => e.reason)).toEqual(['declined', 'cancelled', 'timeout', 'answered']);

    await rita.command('leave');
    await ana.command('leave');
  });
});
