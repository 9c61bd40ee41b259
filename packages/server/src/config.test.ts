import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitDefaults } from '@plaza/protocol';
import { ConfigError, loadServerConfig, resolveServerConfig, serverConfigDefaults } from './config.js';

describe('server configuration', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-config-'));
    file = join(dir, 'plaza.json');
    writeFileSync(file, JSON.stringify({ port: 7001, host: '10.0.0.1', dataDir: '/from/file', logLevel: 'warn', maxTextBytes: 1000 }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills in defaults when nothing is given', () => {
    const config = resolveServerConfig({});
    expect(config).toMatchObject({
      port: 7700,
      host: '0.0.0.0',
      dataDir: './plaza-data',
      allowedOrigins: [],
      maxTextBytes: 16384,
      logLevel: 'info',
      sqliteSynchronous: 'full',
      rateLimits: serverConfigDefaults.rateLimits,
      presenceOfflineGraceMs: 5000,
      presenceLargeConversationMembers: 1000,
      maxTokenTtlSec: 604800,
    });
    expect(config.apiKeys).toBeUndefined();
  });

  it('fills in a partly given rate limit section', () => {
    const config = resolveServerConfig({ rateLimits: { messages: { perSecond: 1, burst: 2 } } });
    expect(config.rateLimits).toEqual({
      messages: { perSecond: 1, burst: 2 },
      requests: serverConfigDefaults.rateLimits.requests,
      media: serverConfigDefaults.rateLimits.media,
      api: serverConfigDefaults.rateLimits.api,
      apiRefused: serverConfigDefaults.rateLimits.apiRefused,
    });
  });

  it('applies flags over environment over config file over defaults', () => {
    const config = loadServerConfig({
      argv: ['--config', file, '--port', '9001'],
      env: { PLAZA_PORT: '8001', PLAZA_HOST: '127.0.0.2', PLAZA_ALLOWED_ORIGINS: 'https://a.example, https://b.example' },
    });
    expect(config.port).toBe(9001);
    expect(config.host).toBe('127.0.0.2');
    expect(config.dataDir).toBe('/from/file');
    expect(config.logLevel).toBe('warn');
    expect(config.maxTextBytes).toBe(1000);
    expect(config.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.sqliteSynchronous).toBe('full');
  });

  it('reads the config file named by PLAZA_CONFIG and the API key pair from the environment', () => {
    const config = loadServerConfig({
      env: { PLAZA_CONFIG: file, PLAZA_API_KEY: 'PKenv', PLAZA_API_SECRET: 's'.repeat(32) },
      argv: ['--data-dir', '/from/flag', '--allowed-origins', '*', '--log-level', 'debug', '--max-text-bytes', '20'],
    });
    expect(config).toMatchObject({ port: 7001, dataDir: '/from/flag', allowedOrigins: ['*'], logLevel: 'debug', maxTextBytes: 20 });
    expect(config.apiKeys).toEqual({ PKenv: 's'.repeat(32) });
  });

  it('file limits come from flags over the environment, with defaults that never allow HTML or SVG', () => {
    const defaults = resolveServerConfig({});
    expect(defaults.maxFileBytes).toBe(100 * 1024 * 1024);
    expect(defaults.userQuotaBytes).toBe(1024 * 1024 * 1024);
    expect(defaults.allowedFileTypes).toContain('image/png');
    expect(defaults.allowedFileTypes).not.toContain('text/html');
    expect(defaults.allowedFileTypes).not.toContain('image/svg+xml');
    const config = loadServerConfig({
      env: { PLAZA_MAX_FILE_BYTES: '1000', PLAZA_USER_QUOTA_BYTES: '5000', PLAZA_ALLOWED_FILE_TYPES: 'image/png' },
      argv: ['--max-file-bytes', '2000', '--allowed-file-types', 'image/*, application/pdf'],
    });
    expect(config).toMatchObject({ maxFileBytes: 2000, userQuotaBytes: 5000, allowedFileTypes: ['image/*', 'application/pdf'] });
    expect(() => resolveServerConfig({ allowedFileTypes: ['text/html'] })).toThrow(/allowedFileTypes/);
    expect(() => resolveServerConfig({ allowedFileTypes: ['IMAGE/SVG+XML'] })).toThrow(ConfigError);
    expect(() => loadServerConfig({ argv: ['--user-quota-bytes', 'lots'] })).toThrow(/--user-quota-bytes/);
  });

  it('the signed-URL lifetime defaults to the protocol default and comes from flags over the environment', () => {
    expect(resolveServerConfig({}).signedUrlTtlSec).toBe(limitDefaults.signedUrlTtlSec);
    expect(loadServerConfig({ env: { PLAZA_SIGNED_URL_TTL_SEC: '60' } }).signedUrlTtlSec).toBe(60);
    expect(loadServerConfig({ env: { PLAZA_SIGNED_URL_TTL_SEC: '60' }, argv: ['--signed-url-ttl-sec', '30'] }).signedUrlTtlSec).toBe(30);
    expect(() => resolveServerConfig({ signedUrlTtlSec: 0 })).toThrow(/signedUrlTtlSec/);
    expect(() => loadServerConfig({ argv: ['--signed-url-ttl-sec', 'soon'] })).toThrow(/--signed-url-ttl-sec/);
  });

  it('reads the presence settings from flags over the environment', () => {
    const fromEnv = loadServerConfig({
      env: { PLAZA_PRESENCE_OFFLINE_GRACE_MS: '0', PLAZA_PRESENCE_LARGE_CONVERSATION_MEMBERS: '250' },
    });
    expect(fromEnv).toMatchObject({ presenceOfflineGraceMs: 0, presenceLargeConversationMembers: 250 });
    const fromFlags = loadServerConfig({
      env: { PLAZA_PRESENCE_OFFLINE_GRACE_MS: '0' },
      argv: ['--presence-offline-grace-ms', '10000', '--presence-large-conversation-members', '50'],
    });
    expect(fromFlags).toMatchObject({ presenceOfflineGraceMs: 10000, presenceLargeConversationMembers: 50 });
    expect(() => resolveServerConfig({ presenceLargeConversationMembers: 1 })).toThrow(/presenceLargeConversationMembers/);
  });

  it('call settings default as documented and come from flags over the environment over the file', () => {
    const defaults = resolveServerConfig({});
    expect(defaults).toMatchObject({ calls: true, rtcMinPort: 40000, rtcMaxPort: 40999, iceServers: [], participantsPerRouter: 100, ringTimeoutSec: 30, callRejoinGraceMs: 15000 });
    expect(defaults.mediaWorkers).toBeUndefined();
    expect(defaults.rtcListenIp).toBeUndefined();
    expect(defaults.rtcAnnouncedIp).toBeUndefined();
    const fromEnv = loadServerConfig({
      env: {
        PLAZA_CALLS: 'false',
        PLAZA_MEDIA_WORKERS: '3',
        PLAZA_RTC_MIN_PORT: '41000',
        PLAZA_RTC_MAX_PORT: '41100',
        PLAZA_RTC_LISTEN_IP: '0.0.0.0',
        PLAZA_RTC_ANNOUNCED_IP: '203.0.113.7',
        PLAZA_ICE_SERVERS: '[{"urls":"stun:stun.city.example:3478"}]',
        PLAZA_PARTICIPANTS_PER_ROUTER: '20',
        PLAZA_RING_TIMEOUT_SEC: '45',
        PLAZA_CALL_REJOIN_GRACE_MS: '5000',
      },
    });
    expect(fromEnv).toMatchObject({
      calls: false,
      mediaWorkers: 3,
      rtcMinPort: 41000,
      rtcMaxPort: 41100,
      rtcListenIp: '0.0.0.0',
      rtcAnnouncedIp: '203.0.113.7',
      iceServers: [{ urls: 'stun:stun.city.example:3478' }],
      participantsPerRouter: 20,
      ringTimeoutSec: 45,
      callRejoinGraceMs: 5000,
    });
    const fromFlags = loadServerConfig({
      env: { PLAZA_MEDIA_WORKERS: '3', PLAZA_CALLS: 'true' },
      argv: [
        '--no-calls', '--media-workers', '1', '--rtc-min-port', '42000', '--rtc-max-port', '42010', '--rtc-listen-ip', '127.0.0.1',
        '--ice-servers', '[{"urls":["turn:turn.city.example"],"username":"u","credential":"c"}]', '--participants-per-router', '1',
        '--ring-timeout-sec', '5', '--call-rejoin-grace-ms', '0',
      ],
    });
    expect(fromFlags).toMatchObject({
      calls: false,
      mediaWorkers: 1,
      rtcMinPort: 42000,
      rtcMaxPort: 42010,
      rtcListenIp: '127.0.0.1',
      iceServers: [{ urls: ['turn:turn.city.example'], username: 'u', credential: 'c' }],
      participantsPerRouter: 1,
      ringTimeoutSec: 5,
      callRejoinGraceMs: 0,
    });
  });

  it('participant caps default to 200 per call and 4 per user, and come from flags over the environment', () => {
    expect(resolveServerConfig({})).toMatchObject({ maxCallParticipants: 200, maxCallParticipantsPerUser: 4 });
    const fromEnv = loadServerConfig({ env: { PLAZA_MAX_CALL_PARTICIPANTS: '50', PLAZA_MAX_CALL_PARTICIPANTS_PER_USER: '2' } });
    expect(fromEnv).toMatchObject({ maxCallParticipants: 50, maxCallParticipantsPerUser: 2 });
    const fromFlags = loadServerConfig({
      env: { PLAZA_MAX_CALL_PARTICIPANTS: '50', PLAZA_MAX_CALL_PARTICIPANTS_PER_USER: '2' },
      argv: ['--max-call-participants', '10', '--max-call-participants-per-user', '1'],
    });
    expect(fromFlags).toMatchObject({ maxCallParticipants: 10, maxCallParticipantsPerUser: 1 });
    expect(() => resolveServerConfig({ maxCallParticipantsPerUser: 0 })).toThrow(/maxCallParticipantsPerUser/);
    expect(() => loadServerConfig({ argv: ['--max-call-participants', 'lots'] })).toThrow(/--max-call-participants/);
  });

  it('refuses inconsistent call settings', () => {
    expect(() => resolveServerConfig({ rtcMinPort: 41000, rtcMaxPort: 40000 })).toThrow(/rtcMinPort/);
    expect(() => resolveServerConfig({ rtcListenIp: '0.0.0.0' })).toThrow(/rtcAnnouncedIp/);
    expect(() => resolveServerConfig({ rtcListenIp: 'localhost' })).toThrow(/rtcListenIp/);
    expect(() => resolveServerConfig({ mediaWorkers: 0 })).toThrow(/mediaWorkers/);
    expect(() => resolveServerConfig({ iceServers: [{ url: 'stun:x' }] })).toThrow(/iceServers/);
    expect(() => loadServerConfig({ env: { PLAZA_CALLS: 'maybe' } })).toThrow(/PLAZA_CALLS/);
    expect(() => loadServerConfig({ argv: ['--ice-servers', 'stun:x'] })).toThrow(/--ice-servers/);
    expect(() => loadServerConfig({ argv: ['--media-workers', 'many'] })).toThrow(/--media-workers/);
  });

  it('refuses ICE servers whose urls are not stun:/stuns:/turn:/turns: URIs, and TURN servers without credentials', () => {
    expect(() => resolveServerConfig({ iceServers: [{ urls: 'stun.example.org' }] })).toThrow(/iceServers\.0\.urls.*stun:/);
    expect(() => resolveServerConfig({ iceServers: [{ urls: 'https://stun.example.org' }] })).toThrow(/iceServers/);
    expect(() => resolveServerConfig({ iceServers: [{ urls: 'stun://stun.example.org' }] })).toThrow(/iceServers/);
    expect(() => resolveServerConfig({ iceServers: [{ urls: ['stun:ok.example.org', 'bad'] }] })).toThrow(/iceServers\.0\.urls\.1/);
    expect(() => resolveServerConfig({ iceServers: [{ urls: [] }] })).toThrow(/iceServers/);
    expect(() => resolveServerConfig({ iceServers: [{ urls: 'turn:turn.example.org' }] })).toThrow(/username and a credential/);
    expect(() => resolveServerConfig({ iceServers: [{ urls: ['stun:s.example.org', 'turns:t.example.org:443?transport=tcp'], username: 'u' }] })).toThrow(/credential/);
    expect(() => loadServerConfig({ argv: ['--ice-servers', '[{"urls":"stun.example.org"}]'] })).toThrow(ConfigError);
    const good = resolveServerConfig({
      iceServers: [
        { urls: 'stun:stun.example.org' },
        { urls: 'STUNS:[2001:db8::1]:5349' },
        { urls: ['turn:198.51.100.4:3478?transport=udp', 'turns:turn.example.org:443?transport=tcp'], username: 'u', credential: 'c' },
      ],
    });
    expect(good.iceServers).toHaveLength(3);
  });

  it('refuses bad values with a ConfigError naming the field', () => {
    expect(() => resolveServerConfig({ port: 70000 })).toThrow(/port/);
    expect(() => resolveServerConfig({ logLevel: 'loud' })).toThrow(ConfigError);
    expect(() => resolveServerConfig({ apiKeys: { PK: 'short' } })).toThrow(/32/);
    expect(() => resolveServerConfig({ prot: 1 })).toThrow(ConfigError);
    expect(() => loadServerConfig({ argv: ['--port', 'abc'] })).toThrow(/--port/);
    expect(() => loadServerConfig({ argv: ['--nope'] })).toThrow(ConfigError);
    expect(() => loadServerConfig({ env: { PLAZA_API_KEY: 'PK' } })).toThrow(/PLAZA_API_SECRET/);
    expect(() => loadServerConfig({ env: { PLAZA_PORT: '-1' } })).toThrow(/PLAZA_PORT/);
  });

  it('refuses a missing or malformed config file', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    expect(() => loadServerConfig({ argv: ['--config', bad] })).toThrow(/not valid JSON/);
    expect(() => loadServerConfig({ argv: ['--config', join(dir, 'missing.json')] })).toThrow(/cannot read/);
    const list = join(dir, 'list.json');
    writeFileSync(list, '[1,2]');
    expect(() => loadServerConfig({ argv: ['--config', list] })).toThrow(/JSON object/);
  });
});
