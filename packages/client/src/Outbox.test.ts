import { ErrorCode } from '@plaza/protocol';
import type { Message } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { PlazaError } from './errors.js';
import type { PendingMessage } from './events.js';
import { silentLogger } from './logger.js';
import { Outbox } from './Outbox.js';
import type { OutgoingMessage } from './Outbox.js';

/** A fake server endpoint whose answers the test controls, one call at a time. */
function harness(options: { maxAgeMs?: number; retries?: number } = {}) {
  const calls: { m: OutgoingMessage; resolve: (m: Message) => void; reject: (e: unknown) => void }[] = [];
  let connected = true;
  let now = 1_000;
  let seq = 0;
  const waiters: (() => void)[] = [];
  const outbox = new Outbox({
    send: (m) =>
      new Promise<Message>((resolve, reject) => {
        calls.push({ m, resolve, reject });
        waiters.splice(0).forEach((w) => w());
      }),
    isConnected: () => connected,
    retryPolicy: { nextDelayMs: (attempt) => (attempt < (options.retries ?? 10) ? 0 : null) },
    maxAgeMs: options.maxAgeMs ?? Number.POSITIVE_INFINITY,
    logger: () => silentLogger,
    now: () => now,
  });
  const failed: [PendingMessage, PlazaError][] = [];
  outbox.on('failed', (p, e) => failed.push([p, e]));
  const ack = (i: number) => {
    const call = calls[i];
    if (!call) throw new Error(`no call ${i}`);
    seq += 1;
    call.resolve({ id: `m_${seq}`, conversationId: call.m.conversationId, seq, rev: seq, clientId: call.m.clientId, senderId: 'me', kind: 'user', text: call.m.text, replyTo: null, mentions: [], reactions: [], createdAt: '', editedAt: null, deletedAt: null, attachments: [] });
  };
  const nextCall = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => (calls.length >= count ? resolve() : waiters.push(check));
      check();
    });
  const msg = (text: string, conversationId = 'c_1'): OutgoingMessage => ({ conversationId, clientId: `id-${text}`, text, replyTo: null, mentions: [] });
  return {
    outbox,
    calls,
    failed,
    ack,
    nextCall,
    msg,
    setConnected: (v: boolean) => (connected = v),
    advance: (ms: number) => (now += ms),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('Outbox', () => {
  it('sends one message per conversation at a time, in send order', async () => {
    const h = harness();
    const a = h.outbox.enqueue(h.msg('a'));
    const b = h.outbox.enqueue(h.msg('b'));
    await h.nextCall(1);
    await tick();
    expect(h.calls.map((c) => c.m.text)).toEqual(['a']);
    h.ack(0);
    await h.nextCall(2);
    expect(h.calls.map((c) => c.m.text)).toEqual(['a', 'b']);
    h.ack(1);
    expect((await a).seq).toBe(1);
    expect((await b).seq).toBe(2);
    expect(h.outbox.pending).toEqual([]);
  });

  it('conversations do not wait for each other', async () => {
    const h = harness();
    void h.outbox.enqueue(h.msg('a', 'c_1'));
    void h.outbox.enqueue(h.msg('b', 'c_2'));
    await h.nextCall(2);
    expect(h.calls.map((c) => c.m.conversationId).sort()).toEqual(['c_1', 'c_2']);
  });

  it('keeps messages while disconnected and sends them in order on resume()', async () => {
    const h = harness();
    h.setConnected(false);
    const sent = [h.outbox.enqueue(h.msg('a')), h.outbox.enqueue(h.msg('b')), h.outbox.enqueue(h.msg('c'))];
    await tick();
    expect(h.calls).toHaveLength(0);
    expect(h.outbox.pending.map((p) => [p.text, p.state])).toEqual([['a', 'queued'], ['b', 'queued'], ['c', 'queued']]);
    h.setConnected(true);
    h.outbox.resume();
    for (let i = 0; i < 3; i++) {
      await h.nextCall(i + 1);
      h.ack(i);
    }
    expect((await Promise.all(sent)).map((m) => m.text)).toEqual(['a', 'b', 'c']);
  });

  it('a message interrupted by a lost connection is resent with the same clientId after resume()', async () => {
    const h = harness();
    const a = h.outbox.enqueue(h.msg('a'));
    await h.nextCall(1);
    h.setConnected(false);
    h.calls[0]?.reject(new PlazaError(ErrorCode.DISCONNECTED, 'lost'));
    await tick();
    expect(h.calls).toHaveLength(1);
    expect(h.outbox.pending[0]?.state).toBe('retrying');
    h.setConnected(true);
    h.outbox.resume();
    await h.nextCall(2);
    expect(h.calls[1]?.m.clientId).toBe(h.calls[0]?.m.clientId);
    h.ack(1);
    expect((await a).clientId).toBe('id-a');
  });

  it('retries retryable errors (TIMEOUT, RATE_LIMITED, UNAVAILABLE) with the same clientId, keeping order', async () => {
    const h = harness();
    const a = h.outbox.enqueue(h.msg('a'));
    const b = h.outbox.enqueue(h.msg('b'));
    await h.nextCall(1);
    h.calls[0]?.reject(new PlazaError(ErrorCode.TIMEOUT, 'slow'));
    await h.nextCall(2);
    h.calls[1]?.reject(new PlazaError(ErrorCode.RATE_LIMITED, 'later', { details: { retryAfterMs: 1 } }));
    await h.nextCall(3);
    h.calls[2]?.reject(new PlazaError(ErrorCode.UNAVAILABLE, 'restarting'));
    await h.nextCall(4);
    expect(h.calls.map((c) => c.m.clientId)).toEqual(['id-a', 'id-a', 'id-a', 'id-a']);
    h.ack(3);
    await h.nextCall(5);
    expect(h.calls[4]?.m.text).toBe('b');
    h.ack(4);
    await Promise.all([a, b]);
    expect(h.failed).toEqual([]);
  });

  it('a non-retryable error rejects that send, emits failed, and the next message still goes out', async () => {
    const h = harness();
    const a = h.outbox.enqueue(h.msg('a'));
    const b = h.outbox.enqueue(h.msg('b'));
    await h.nextCall(1);
    h.calls[0]?.reject(new PlazaError(ErrorCode.NOT_A_MEMBER, 'no'));
    await expect(a).rejects.toMatchObject({ code: ErrorCode.NOT_A_MEMBER });
    expect(h.failed.map(([p, e]) => [p.text, e.code])).toEqual([['a', ErrorCode.NOT_A_MEMBER]]);
    await h.nextCall(2);
    h.ack(1);
    expect((await b).text).toBe('b');
  });

  it('fails a message when the retry policy gives up', async () => {
    const h = harness({ retries: 1 });
    const a = h.outbox.enqueue(h.msg('a'));
    await h.nextCall(1);
    h.calls[0]?.reject(new PlazaError(ErrorCode.UNAVAILABLE, 'down'));
    await h.nextCall(2);
    h.calls[1]?.reject(new PlazaError(ErrorCode.UNAVAILABLE, 'still down'));
    await expect(a).rejects.toMatchObject({ code: ErrorCode.UNAVAILABLE });
    expect(h.failed).toHaveLength(1);
  });

  it('fails messages older than maxAgeMs with TIMEOUT instead of sending them', async () => {
    const h = harness({ maxAgeMs: 60_000 });
    h.setConnected(false);
    const old = h.outbox.enqueue(h.msg('old'));
    h.advance(30_000);
    const young = h.outbox.enqueue(h.msg('young'));
    h.advance(40_000);
    h.setConnected(true);
    h.outbox.resume();
    await expect(old).rejects.toMatchObject({ code: ErrorCode.TIMEOUT });
    await h.nextCall(1);
    expect(h.calls.map((c) => c.m.text)).toEqual(['young']);
    h.ack(0);
    await young;
    expect(h.failed.map(([p]) => p.text)).toEqual(['old']);
    h.outbox.dispose();
  });

  it('cancel() takes a waiting message out and rejects its promise', async () => {
    const h = harness();
    h.setConnected(false);
    const a = h.outbox.enqueue(h.msg('a'));
    expect(h.outbox.cancel('id-a')).toBe(true);
    await expect(a).rejects.toBeInstanceOf(PlazaError);
    expect(h.outbox.pending).toEqual([]);
    expect(h.outbox.cancel('id-a')).toBe(false);
  });

  it('logs a failed message at debug when the app listens for failures, as a warning otherwise', async () => {
    for (const handled of [true, false]) {
      const lines: [string, string][] = [];
      const record = (level: string) => (message: string) => lines.push([level, message]);
      const outbox = new Outbox({
        send: () => Promise.reject(new PlazaError(ErrorCode.NOT_A_MEMBER, 'no')),
        isConnected: () => true,
        retryPolicy: { nextDelayMs: () => null },
        maxAgeMs: Number.POSITIVE_INFINITY,
        logger: () => ({ debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }),
        failureHandled: () => handled,
      });
      await expect(outbox.enqueue({ conversationId: 'c_1', clientId: 'x', text: 't', replyTo: null, mentions: [] })).rejects.toThrow(PlazaError);
      expect(lines.filter(([, m]) => m === 'a queued message failed').map(([l]) => l)).toEqual([handled ? 'debug' : 'warn']);
    }
  });

  it('failAll rejects queued and in-flight messages and ignores a late answer to the one in flight', async () => {
    const h = harness();
    const a = h.outbox.enqueue(h.msg('a')).catch((e: unknown) => e);
    const b = h.outbox.enqueue(h.msg('b')).catch((e: unknown) => e);
    await h.nextCall(1);
    h.outbox.failAll(new PlazaError(ErrorCode.DISCONNECTED, 'gone'));
    h.ack(0);
    expect(((await a) as PlazaError).code).toBe(ErrorCode.DISCONNECTED);
    expect(((await b) as PlazaError).code).toBe(ErrorCode.DISCONNECTED);
    await tick();
    expect(h.outbox.pending).toEqual([]);
    expect(h.calls).toHaveLength(1);
    expect(h.failed.map(([p]) => p.text)).toEqual(['a', 'b']);
  });
});
