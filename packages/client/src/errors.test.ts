import { ErrorCode } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { InvalidStateError, PlazaError, fromWire, isRetryableCode, toPlazaError } from './errors.js';

describe('PlazaError', () => {
  it('fromWire keeps code, message and details', () => {
    const err = fromWire({ code: 'RATE_LIMITED', message: 'slow down', details: { retryAfterMs: 1200 } });
    expect(err).toBeInstanceOf(PlazaError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(ErrorCode.RATE_LIMITED);
    expect(err.message).toBe('slow down');
    expect(err.details).toEqual({ retryAfterMs: 1200 });
    expect(err.retryable).toBe(true);
    expect(err.name).toBe('PlazaError');
  });

  it('fromWire turns an unknown code or a non-object into INTERNAL', () => {
    expect(fromWire({ code: 'NO_SUCH_CODE', message: 'x' }).code).toBe(ErrorCode.INTERNAL);
    expect(fromWire('boom').code).toBe(ErrorCode.INTERNAL);
    expect(fromWire(null).code).toBe(ErrorCode.INTERNAL);
  });

  it('fromWire uses the code as message when the message is missing', () => {
    expect(fromWire({ code: 'NOT_A_MEMBER' }).message).toBe('NOT_A_MEMBER');
  });

  it('keeps the cause', () => {
    const cause = new Error('socket closed');
    expect(new PlazaError(ErrorCode.DISCONNECTED, 'lost', { cause }).cause).toBe(cause);
  });

  it('classifies retryable codes as the protocol does', () => {
    for (const code of [ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE, ErrorCode.TIMEOUT, ErrorCode.DISCONNECTED]) {
      expect(isRetryableCode(code)).toBe(true);
    }
    for (const code of [ErrorCode.INVALID_REQUEST, ErrorCode.NOT_A_MEMBER, ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.UNAUTHENTICATED]) {
      expect(isRetryableCode(code)).toBe(false);
    }
  });

  it('toPlazaError leaves a PlazaError alone and wraps anything else', () => {
    const p = new PlazaError(ErrorCode.CONFLICT, 'deleted');
    expect(toPlazaError(p)).toBe(p);
    const wrapped = toPlazaError(new Error('x'), ErrorCode.UNAVAILABLE);
    expect(wrapped.code).toBe(ErrorCode.UNAVAILABLE);
    expect(wrapped.cause).toBeInstanceOf(Error);
  });

  it('InvalidStateError is an Error with its own name', () => {
    const e = new InvalidStateError('not connected');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('InvalidStateError');
  });
});
