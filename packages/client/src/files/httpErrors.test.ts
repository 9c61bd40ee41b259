import { ErrorCode } from '@plaza/protocol';
import { describe, expect, it } from 'vitest';
import { PlazaError } from '../errors.js';
import { errorFromResponse, isRetryableStatus, toUploadError } from './httpErrors.js';
import { UploadSourceError } from './TusFileReader.js';

const response = (status: number, body = '') => ({ getStatus: () => status, getBody: () => body });

describe('errorFromResponse', () => {
  it('takes code and message from a JSON error body', () => {
    const error = errorFromResponse(403, JSON.stringify({ error: { code: 'QUOTA_EXCEEDED', message: 'over quota' } }));
    expect(error).toBeInstanceOf(PlazaError);
    expect(error).toMatchObject({ code: ErrorCode.QUOTA_EXCEEDED, message: 'over quota' });
  });

  it('falls back to a code chosen by the status when the body names none', () => {
    expect(errorFromResponse(401, '').code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(errorFromResponse(403, 'Forbidden').code).toBe(ErrorCode.PERMISSION_DENIED);
    expect(errorFromResponse(404, '').code).toBe(ErrorCode.FILE_NOT_FOUND);
    expect(errorFromResponse(413, 'too big').code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(errorFromResponse(415, '').code).toBe(ErrorCode.UNSUPPORTED_FILE_TYPE);
    expect(errorFromResponse(429, '').code).toBe(ErrorCode.RATE_LIMITED);
    expect(errorFromResponse(460, '').code).toBe(ErrorCode.CHECKSUM_MISMATCH);
    expect(errorFromResponse(503, '<html>').code).toBe(ErrorCode.UNAVAILABLE);
    expect(errorFromResponse(400, '{"error":{"code":"NOPE"}}').code).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('isRetryableStatus', () => {
  it('retries server errors, conflicts, locks and rate limits but no other client error', () => {
    for (const s of [500, 502, 503, 408, 409, 423, 429]) expect(isRetryableStatus(s), String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 410, 413, 415, 460]) expect(isRetryableStatus(s), String(s)).toBe(false);
  });
});

describe('toUploadError', () => {
  it('maps a tus error with a response through its status and body', () => {
    const err = Object.assign(new Error('tus: unexpected response'), {
      originalRequest: {},
      originalResponse: response(415, JSON.stringify({ error: { code: 'UNSUPPORTED_FILE_TYPE', message: 'text/html is not allowed' } })),
    });
    expect(toUploadError(err)).toMatchObject({ code: ErrorCode.UNSUPPORTED_FILE_TYPE, message: 'text/html is not allowed' });
  });

  it('a request without a response is a network failure: UNAVAILABLE', () => {
    const err = Object.assign(new Error('tus: failed to upload chunk'), { originalRequest: {}, originalResponse: null, causingError: new Error('ECONNREFUSED') });
    expect(toUploadError(err).code).toBe(ErrorCode.UNAVAILABLE);
  });

  it('keeps a PlazaError, also as the cause, and makes input problems INVALID_REQUEST', () => {
    const plaza = new PlazaError(ErrorCode.QUOTA_EXCEEDED, 'full');
    expect(toUploadError(plaza)).toBe(plaza);
    expect(toUploadError(Object.assign(new Error('x'), { originalRequest: {}, causingError: plaza }))).toBe(plaza);
    expect(toUploadError(new UploadSourceError('stream ended early')).code).toBe(ErrorCode.INVALID_REQUEST);
    expect(toUploadError(Object.assign(new Error('x'), { originalRequest: {}, causingError: new UploadSourceError('bad') })).code).toBe(ErrorCode.INVALID_REQUEST);
    expect(toUploadError('weird').code).toBe(ErrorCode.INTERNAL);
  });
});
