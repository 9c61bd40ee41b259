import { describe, expect, it } from 'vitest';
import { requestSchemas } from './schemas.js';

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
