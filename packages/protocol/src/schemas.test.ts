import { describe, expect, it } from 'vitest';
import { handshakeAuthSchema, hasBidiControl, isBlankText, isWellFormedText, requestSchemas } from './schemas.js';

describe('requestSchemas', () => {
  it('refuses a __proto__ key that JSON.parse made an own property', () => {
    const payload = JSON.parse('{"conversationId":"c_1","clientId":"a","text":"hi","__proto__":{"admin":true}}');
    const result = requestSchemas['message:send'].safeParse(payload);
    expect(result.success).toBe(false);
  });

  it('refuses unknown keys instead of stripping them', () => {
    const result = requestSchemas['read:mark'].safeParse({ conversationId: 'c_1', seq: 1, extra: 1 });
    expect(result.success).toBe(false);
  });

  it('refuses wrong types and accepts the right shape', () => {
    expect(requestSchemas['read:mark'].safeParse({ conversationId: 'c_1', seq: '1' }).success).toBe(false);
    expect(requestSchemas['read:mark'].safeParse({ conversationId: 'c_1', seq: 1.5 }).success).toBe(false);
    expect(requestSchemas['read:mark'].safeParse({ conversationId: 'c_1', seq: 3 }).success).toBe(true);
  });

  it('refuses ids with path or control characters', () => {
    expect(requestSchemas['conversation:get'].safeParse({ conversationId: '../etc' }).success).toBe(false);
    expect(requestSchemas['conversation:openDirect'].safeParse({ userId: 'a\u0000b' }).success).toBe(false);
    expect(requestSchemas['conversation:openDirect'].safeParse({ userId: 'ana@city.example' }).success).toBe(true);
  });

  it('refuses a payload that is not an object', () => {
    for (const bad of [null, 'x', 42, [], undefined]) {
      expect(requestSchemas['message:send'].safeParse(bad).success).toBe(false);
    }
  });
});

describe('well-formed text (lone surrogates)', () => {
  const lone = 'a\uD800b';
  it('refuses a lone surrogate in every string field instead of storing U+FFFD', () => {
    const bad: [keyof typeof requestSchemas, unknown][] = [
      ['message:send', { conversationId: 'c_1', clientId: 'k1', text: lone }],
      ['message:edit', { conversationId: 'c_1', messageId: 'm_1', text: 'x\uDC00' }],
      ['conversation:openDirect', { userId: lone }],
      ['conversation:create', { kind: 'group', title: lone }],
      ['conversation:create', { kind: 'group', title: 'ok', topic: lone }],
      ['conversation:create', { kind: 'group', title: 'ok', externalRef: lone }],
      ['conversation:create', { kind: 'group', title: 'ok', memberIds: [lone] }],
      ['message:react', { conversationId: 'c_1', messageId: 'm_1', emoji: '\uD83D', add: true }],
      ['presence:set', { status: 'online', statusText: lone }],
      ['conversation:get', { conversationId: lone }],
    ];
    for (const [event, payload] of bad) {
      expect(requestSchemas[event].safeParse(payload).success, `${event} ${JSON.stringify(payload)}`).toBe(false);
    }
    expect(handshakeAuthSchema.safeParse({ token: 't', protocolVersion: 1, sdk: lone }).success).toBe(false);
  });

  it('accepts surrogate pairs (emoji, astral characters)', () => {
    expect(requestSchemas['message:send'].safeParse({ conversationId: 'c_1', clientId: 'k1', text: 'hi 😀 𝄞' }).success).toBe(true);
    expect(requestSchemas['message:react'].safeParse({ conversationId: 'c_1', messageId: 'm_1', emoji: '👍🏽', add: true }).success).toBe(true);
    expect(requestSchemas['conversation:openDirect'].safeParse({ userId: 'ana😀' }).success).toBe(true);
    expect(isWellFormedText('😀')).toBe(true);
    expect(isWellFormedText('\uDE00\uD83D')).toBe(false);
  });
});

describe('invisible and bidi control characters', () => {
  it('refuses user ids with format characters or whitespace', () => {
    for (const id of ['ana\u200b', 'a\u200db', '\u202Eadmin', 'a\u2066b', '\uFEFFana', 'a\u00a0b', 'a b', 'a\u2028b']) {
      expect(requestSchemas['conversation:openDirect'].safeParse({ userId: id }).success, JSON.stringify(id)).toBe(false);
    }
    expect(requestSchemas['conversation:openDirect'].safeParse({ userId: 'ана@city.example' }).success).toBe(true);
  });

  it('refuses bidi overrides, embeddings and isolates in titles, topics and status text', () => {
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']) {
      expect(requestSchemas['conversation:create'].safeParse({ kind: 'group', title: `a${c}b` }).success).toBe(false);
      expect(requestSchemas['conversation:update'].safeParse({ conversationId: 'c_1', topic: `a${c}b` }).success).toBe(false);
      expect(requestSchemas['presence:set'].safeParse({ status: 'away', statusText: `a${c}b` }).success).toBe(false);
    }
    expect(requestSchemas['conversation:create'].safeParse({ kind: 'group', title: 'שלום Plaza' }).success).toBe(true);
  });

  it('calls text blank when only whitespace and format characters remain', () => {
    expect(isBlankText(' \u200b\u200d\uFEFF\n\t\u202E ')).toBe(true);
    expect(isBlankText('')).toBe(true);
    expect(isBlankText('\u200bx')).toBe(false);
    expect(isBlankText('👨‍👩‍👧')).toBe(false);
    expect(hasBidiControl('abc\u2067')).toBe(true);
    expect(hasBidiControl('abc')).toBe(false);
  });
});
