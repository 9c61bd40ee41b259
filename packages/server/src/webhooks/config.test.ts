import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from '../config.js';

describe('webhook settings', () => {
  it('default to 5 s base, 8 attempts, 10 s timeout and 8 in flight', () => {
    expect(loadServerConfig()).toMatchObject({ webhookRetryBaseMs: 5000, webhookMaxAttempts: 8, webhookTimeoutMs: 10_000, webhookConcurrency: 8 });
  });

  it('come from flags over environment variables', () => {
    const env = { PLAZA_WEBHOOK_RETRY_BASE_MS: '100', PLAZA_WEBHOOK_MAX_ATTEMPTS: '3', PLAZA_WEBHOOK_TIMEOUT_MS: '2000', PLAZA_WEBHOOK_CONCURRENCY: '2' };
    expect(loadServerConfig({ env })).toMatchObject({ webhookRetryBaseMs: 100, webhookMaxAttempts: 3, webhookTimeoutMs: 2000, webhookConcurrency: 2 });
    const argv = ['--webhook-retry-base-ms', '50', '--webhook-max-attempts', '5', '--webhook-timeout-ms', '500', '--webhook-concurrency', '16'];
    expect(loadServerConfig({ env, argv })).toMatchObject({ webhookRetryBaseMs: 50, webhookMaxAttempts: 5, webhookTimeoutMs: 500, webhookConcurrency: 16 });
  });

  it('refuse values out of range or not numbers, naming the setting', () => {
    expect(() => loadServerConfig({ argv: ['--webhook-max-attempts', '0'] })).toThrow(/webhookMaxAttempts/);
    expect(() => loadServerConfig({ argv: ['--webhook-timeout-ms', '10'] })).toThrow(/webhookTimeoutMs/);
    expect(() => loadServerConfig({ env: { PLAZA_WEBHOOK_CONCURRENCY: 'many' } })).toThrow(ConfigError);
    expect(() => loadServerConfig({ env: { PLAZA_WEBHOOK_CONCURRENCY: 'many' } })).toThrow(/PLAZA_WEBHOOK_CONCURRENCY/);
  });
});
