import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PlazaClient, silentLogger } from '@plaza/client';
import type { Grants } from '@plaza/protocol';
import { BotCommandError, CallBot, stopAllBots } from '../helpers/callBot.js';
import type { BotEvent } from '../helpers/callBot.js';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';

/**
 * What a participant sees when it joins a call that is going on, taking a participant over from
 * another device, and what the SDK logs meanwhile: `@plaza/client` bots on `@roamhq/wrtc` in child
 * processes against a real server. Run inside a loopback-only network namespace
 * (`node scripts/isolated.mjs vitest run test/integration/calls-join.test.ts`).
 */

let server: ServerProcess;
let organiser: PlazaClient;
let started: CallBot[] = [];

async function bot(userId: string, grants?: Grants): Promise<CallBot> {
  const b = await CallBot.start(userId);
  started.push(b);
  await b.connect(server.url, await mintToken(userId, grants ? { grants } : {}));
  return b;
}

async function group(memberIds: string[]): Promise<string> {
  return (await organiser.conversations.create({ kind: 'group', title: 'Site visit', memberIds })).id;
}

const warnings = (b: CallBot): BotEvent[] => b.events.filter((e) => e.event === 'log');
const subscribedFrom = (b: CallBot, userId: string): string[] =>
  b.events.filter((e) => e.event === 'trackSubscribed' && e.userId === userId).map((e) => e.source as string);

beforeAll(async () => {
  server = await ServerProcess.start({ env: { PLAZA_MEDIA_WORKERS: '1', PLAZA_RTC_LISTEN_IP: '127.0.0.1', PLAZA_CALL_REJOIN_GRACE_MS: '3000' } });
  organiser = new PlazaClient(server.url, { logger: silentLogger });
  await organiser.connect(() => mintToken('organiser'));
  // Members must exist (connected once) before they can be added.
  for (const id of ['ana', 'ben', 'dan']) {
    const c = new PlazaClient(server.url, { logger: silentLogger });
    await c.connect(() => mintToken(id));
    await c.disconnect();
  }
}, 60_000);

afterEach(async () => {
  await stopAllBots();
  started = [];
});

afterAll(async () => {
  await stopAllBots();
  await organiser?.disconnect();
  await stopAllServers();
  removeTempDirs();
});

describe('joining a call that is going on', () => {
  it('listeners added right after `await joinCall()` get participantJoined and trackSubscribed for what was there, each once', async () => {
    const conversationId = await group(['ana', 'ben']);
    const ana = await bot('ana');
    const ben = await bot('ben');
    const { participantId: anaId } = await ana.join(conversationId);
    await ana.publish('microphone');
    await ana.publish('camera');

    // The bot adds its listeners synchronously after `await joinCall()` (test/fixtures/callBot.ts).
    await ben.join(conversationId);
    const flowing = await ben.waitForFlowing((t) => t.userId === 'ana', { count: 2 });
    expect(flowing.map((t) => t.source).sort()).toEqual(['camera', 'microphone']);
    expect(subscribedFrom(ben, 'ana').sort()).toEqual(['camera', 'microphone']);
    const names = ben.events.filter((e) => e.participantId === anaId).map((e) => `${e.event}${e.source ? ` ${e.source as string}` : ''}`);
    // In order: the participant, then its tracks as published, then as received.
    expect(names.slice(0, 3)).toEqual(['participantJoined', 'trackPublished microphone', 'trackPublished camera']);
    expect(names.filter((n) => n === 'participantJoined')).toHaveLength(1);
    expect(warnings(ben)).toEqual([]);
  });
});

describe('another device takes a participant over', () => {
  it('joinCall({ participantId }) on a second device of the same user keeps the participant; the first device leaves; others see no leave', async () => {
    const conversationId = await group(['ana', 'ben', 'dan']);
    const laptop = await bot('ana');
    const ben = await bot('ben');
    const { participantId, callId } = await laptop.join(conversationId);
    await laptop.publish('camera');
    await ben.join(conversationId);
    await ben.waitForFlowing((t) => t.userId === 'ana', { count: 1 });

    // Another user cannot take it.
    const dan = await bot('dan');
    const refused = await dan.join(conversationId, { participantId }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BotCommandError);
    expect((refused as BotCommandError).code).toBe('CALL_NOT_FOUND');

    const phone = await bot('ana');
    expect(await phone.join(conversationId, { participantId })).toEqual({ callId, participantId });
    const left = await laptop.waitForEvent((e) => e.event === 'left', 10_000, 'the laptop leaving');
    expect(left.reason).toBe('left');

    await phone.publish('camera');
    await ben.waitForEvent((e) => e.event === 'trackUnpublished' && e.participantId === participantId, 10_000, 'the laptop camera going');
    await ben.waitForFlowing((t) => t.participantId === participantId, { count: 1 });
    expect(ben.events.filter((e) => e.event === 'participantLeft')).toEqual([]);
    expect(ben.events.filter((e) => e.event === 'participantJoined' && e.participantId === participantId)).toHaveLength(1);
  });
});

describe('what the SDK logs', () => {
  it('a user who may not subscribe joins a call with data channels and tracks without a warning', async () => {
    const conversationId = await group(['ana', 'ben', 'dan']);
    const ana = await bot('ana');
    const ben = await bot('ben');
    await ana.join(conversationId);
    await ana.publish('camera');
    await ben.join(conversationId);
    const dan = await bot('dan', { canSubscribe: false });
    const { participantId: danId } = await dan.join(conversationId);
    await dan.publish('microphone');
    await ana.waitForFlowing((t) => t.participantId === danId, { count: 1 });
    // dan's own data channel works without a receive transport.
    await dan.sendData('from dan');
    await ana.waitForEvent((e) => e.event === 'data' && e.data === 'from dan', 10_000, 'dan’s data at ana');
    expect(dan.events.filter((e) => e.event === 'trackSubscribed')).toEqual([]);
    expect(warnings(dan)).toEqual([]);
  });

  it('after the media worker is killed, data flows again and nobody logs a failed data channel', async () => {
    const conversationId = await group(['ana', 'ben']);
    const ana = await bot('ana');
    const ben = await bot('ben');
    await ana.join(conversationId);
    await ben.join(conversationId);
    await ana.sendData('before');
    await ben.waitForEvent((e) => e.event === 'data' && e.data === 'before', 10_000, 'data before the kill');

    const workers = execFileSync('pgrep', ['-P', String(server.pid), '-f', 'mediasoup-worker'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(workers).toHaveLength(1);
    process.kill(Number(workers[0]), 'SIGKILL');
    for (const b of [ana, ben]) await b.waitForEvent((e) => e.event === 'reconnected', 20_000, 'reconnected');

    await ana.sendData('after');
    await ben.waitForEvent((e) => e.event === 'data' && e.data === 'after', 10_000, 'data after the kill');
    await ben.sendData('back');
    await ana.waitForEvent((e) => e.event === 'data' && e.data === 'back', 10_000, 'data back after the kill');
    expect([...warnings(ana), ...warnings(ben)].filter((e) => String(e.message).includes('data channel'))).toEqual([]);
  });
});
