import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TEXT_HARD_LIMIT, limitDefaults } from '@plaza/protocol';
import type { IceServer } from '@plaza/protocol';
import { FORBIDDEN_FILE_TYPES, defaultAllowedFileTypes } from './files/sniff.js';

/** Log levels the server accepts. */
export const LogLevel = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
  silent: 'silent',
} as const;
/** One of the {@link LogLevel} values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

const bucketSchema = z.strictObject({
  /** Tokens refilled per second. */
  perSecond: z.number().positive().max(1_000_000),
  /** Bucket size: how many may be spent at once. */
  burst: z.int().min(1).max(1_000_000),
});

/** Defaults of every serializable server option. */
export const serverConfigDefaults = {
  port: 7700,
  host: '0.0.0.0',
  dataDir: './plaza-data',
  allowedOrigins: [] as string[],
  maxTextBytes: limitDefaults.maxTextBytes,
  rateLimits: {
    messages: { perSecond: 20, burst: 50 },
    requests: { perSecond: 50, burst: 100 },
    media: { perSecond: 200, burst: 500 },
    api: { perSecond: 100, burst: 200 },
    apiRefused: { perSecond: 10, burst: 20 },
  },
  logLevel: 'info' as LogLevel,
  sqliteSynchronous: 'full' as 'full' | 'normal',
  maxFileBytes: limitDefaults.maxFileBytes as number,
  userQuotaBytes: limitDefaults.userQuotaBytes as number,
  signedUrlTtlSec: limitDefaults.signedUrlTtlSec as number,
  maxThumbnailPixels: 24_000_000,
  maxConcurrentUploadsPerUser: 8,
  stripImageMetadata: true,
  unattachedFileTtlHours: 24,
  allowedFileTypes: [...defaultAllowedFileTypes],
  presenceOfflineGraceMs: 5000,
  presenceLargeConversationMembers: 1000,
  maxTokenTtlSec: 7 * 86400,
  outboxRetentionHours: 72,
  auditRetentionDays: 365,
  retentionSweepIntervalSec: 60,
  deskSweepIntervalSec: 15,
  pingIntervalMs: 10_000,
  pingTimeoutMs: 10_000,
  calls: true,
  rtcMinPort: 40000,
  rtcMaxPort: 40999,
  iceServers: [] as IceServer[],
  participantsPerRouter: 100,
  ringTimeoutSec: 30,
  callRejoinGraceMs: 15_000,
  maxCallParticipants: 200,
  maxCallParticipantsPerUser: 4,
  webhookRetryBaseMs: 5000,
  webhookMaxAttempts: 8,
  webhookTimeoutMs: 10_000,
  webhookConcurrency: 8,
};

/** A STUN or TURN URI as RTCPeerConnection accepts it (RFC 7064/7065): `stun:host[:port]`, `turns:host?transport=tcp`. */
const iceUrlSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^(stun|stuns|turn|turns):[^\s/?#]+(\?transport=(udp|tcp))?$/i, 'expected a stun:, stuns:, turn: or turns: URI such as stun:stun.example.org:3478 (no "//")');

const iceServerSchema = z
  .strictObject({
    urls: z.union([iceUrlSchema, z.array(iceUrlSchema).min(1).max(16)]),
    username: z.string().max(512).optional(),
    credential: z.string().max(512).optional(),
  })
  .superRefine((server, issue) => {
    const urls = typeof server.urls === 'string' ? [server.urls] : server.urls;
    if (urls.some((u) => /^turns?:/i.test(u)) && (!server.username || !server.credential)) {
      issue.addIssue({ code: 'custom', path: ['username'], message: 'turn: and turns: servers need a username and a credential' });
    }
  });

const ipSchema = z.union([z.ipv4(), z.ipv6()]);

const mediaTypeSchema = z
  .string()
  .regex(/^([a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)|\*)$/i, 'expected a media type such as image/png or image/*')
  .refine((t) => !FORBIDDEN_FILE_TYPES.includes(t.toLowerCase()), 'HTML and SVG are never accepted (a browser would run their scripts)');

/**
 * The zod schema of the serializable server configuration (what a config file, the environment
 * and the CLI flags can set). Unknown keys are refused so that typos do not pass silently.
 */
export const serverConfigSchema = z.strictObject({
  port: z.int().min(0).max(65535).default(serverConfigDefaults.port),
  host: z.string().min(1).default(serverConfigDefaults.host),
  dataDir: z.string().min(1).default(serverConfigDefaults.dataDir),
  apiKeys: z
    .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'API keys are 1-64 letters, digits, "_" or "-"'), z.string().min(32, 'API secrets need at least 32 characters'))
    .refine((keys) => Object.keys(keys).length > 0, 'apiKeys must hold at least one key')
    .optional(),
  allowedOrigins: z.array(z.string().min(1)).default(serverConfigDefaults.allowedOrigins),
  maxTextBytes: z.int().min(1).max(TEXT_HARD_LIMIT).default(serverConfigDefaults.maxTextBytes),
  rateLimits: z
    .strictObject({
      messages: bucketSchema.default(serverConfigDefaults.rateLimits.messages),
      requests: bucketSchema.default(serverConfigDefaults.rateLimits.requests),
      media: bucketSchema.default(serverConfigDefaults.rateLimits.media),
      /** REST requests per API key. */
      api: bucketSchema.default(serverConfigDefaults.rateLimits.api),
      /** REST requests refused for their credentials per client address, audited one by one. */
      apiRefused: bucketSchema.default(serverConfigDefaults.rateLimits.apiRefused),
    })
    .prefault({}),
  logLevel: z.enum(Object.values(LogLevel) as [LogLevel, ...LogLevel[]]).default(serverConfigDefaults.logLevel),
  sqliteSynchronous: z.enum(['full', 'normal']).default(serverConfigDefaults.sqliteSynchronous),
  /** Largest file, in bytes. */
  maxFileBytes: z.int().min(1).max(Number.MAX_SAFE_INTEGER).default(serverConfigDefaults.maxFileBytes),
  /** Bytes of files one user may have stored (uploads in progress included). */
  userQuotaBytes: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(serverConfigDefaults.userQuotaBytes),
  /** Lifetime of signed download URLs, in seconds (1 s to 7 days). */
  signedUrlTtlSec: z.int().min(1).max(7 * 86400).default(serverConfigDefaults.signedUrlTtlSec),
  /** Largest image (width × height) decoded for a thumbnail; GIFs get a quarter of it. Larger images get no thumbnail. */
  maxThumbnailPixels: z.int().min(1).max(1_000_000_000).default(serverConfigDefaults.maxThumbnailPixels),
  /** Upload requests one user may have in progress at once (more are 429 RATE_LIMITED). */
  maxConcurrentUploadsPerUser: z.int().min(1).max(1000).default(serverConfigDefaults.maxConcurrentUploadsPerUser),
  /** Remove EXIF/XMP/IPTC/text metadata (location!) from JPEG, PNG and WebP originals, losslessly. */
  stripImageMetadata: z.boolean().default(serverConfigDefaults.stripImageMetadata),
  /** Hours after which completed files no message references are deleted. */
  unattachedFileTtlHours: z.number().min(0.01).max(24 * 365).default(serverConfigDefaults.unattachedFileTtlHours),
  /** Media types accepted, decided by sniffing the content; `type/*` patterns allowed. */
  allowedFileTypes: z.array(mediaTypeSchema).default(serverConfigDefaults.allowedFileTypes),
  /** How long a user whose last device left stays `online` to others before `offline` is announced. */
  presenceOfflineGraceMs: z.int().min(0).max(3_600_000).default(serverConfigDefaults.presenceOfflineGraceMs),
  /** Conversations with at least this many members get no presence broadcasts (members use `presence:get`). */
  presenceLargeConversationMembers: z.int().min(2).max(10_000_000).default(serverConfigDefaults.presenceLargeConversationMembers),
  /** Longest token lifetime (`exp - iat`) accepted, in seconds; longer-lived tokens are refused. */
  maxTokenTtlSec: z.int().min(60).max(366 * 86400).default(serverConfigDefaults.maxTokenTtlSec),
  /** Outbox events older than this many hours are deleted by the hourly retention sweep. */
  outboxRetentionHours: z.number().positive().max(24 * 3660).default(serverConfigDefaults.outboxRetentionHours),
  /** Audit records older than this many days are deleted by the hourly retention sweep. */
  auditRetentionDays: z.number().positive().max(36600).default(serverConfigDefaults.auditRetentionDays),
  /** Seconds between runs of the sweep that applies conversations' retention periods. */
  retentionSweepIntervalSec: z.int().min(1).max(86_400).default(serverConfigDefaults.retentionSweepIntervalSec),
  /**
   * Seconds between runs of the citizen desk's sweeps: the one that marks requests whose first-response SLA ran
   * out and the one that escalates alerts nobody acknowledged by their deadline.
   */
  deskSweepIntervalSec: z.int().min(1).max(3600).default(serverConfigDefaults.deskSweepIntervalSec),
  /** How often socket.io pings each client, in ms; with `pingTimeoutMs` it bounds how long a dead peer goes unnoticed. */
  pingIntervalMs: z.int().min(1000).max(600_000).default(serverConfigDefaults.pingIntervalMs),
  /** How long to wait for a ping's answer before the connection counts as dead, in ms. */
  pingTimeoutMs: z.int().min(1000).max(600_000).default(serverConfigDefaults.pingTimeoutMs),
  /** Whether calls (voice, video, screen sharing through the SFU) are enabled. */
  calls: z.boolean().default(serverConfigDefaults.calls),
  /** Number of mediasoup workers (one core each). @default os.availableParallelism() */
  mediaWorkers: z.int().min(1).max(256).optional(),
  /** Lowest UDP/TCP port for RTC media. */
  rtcMinPort: z.int().min(1).max(65535).default(serverConfigDefaults.rtcMinPort),
  /** Highest UDP/TCP port for RTC media. */
  rtcMaxPort: z.int().min(1).max(65535).default(serverConfigDefaults.rtcMaxPort),
  /** IP address RTC media listens on. @default the host's first non-internal IPv4, else 127.0.0.1 */
  rtcListenIp: ipSchema.optional(),
  /** IP address announced to clients (required when listening on 0.0.0.0 or behind NAT). */
  rtcAnnouncedIp: ipSchema.optional(),
  /** STUN/TURN servers handed to call clients. */
  iceServers: z.array(iceServerSchema).max(16).default(serverConfigDefaults.iceServers),
  /** Participants on one router; more go to a router on another worker (producers piped between them). */
  participantsPerRouter: z.int().min(1).max(100_000).default(serverConfigDefaults.participantsPerRouter),
  /** Seconds a ring lasts before it ends with `timeout`. */
  ringTimeoutSec: z.int().min(1).max(3600).default(serverConfigDefaults.ringTimeoutSec),
  /** How long a participant whose connection dropped stays in the call, waiting to be resumed, in ms. */
  callRejoinGraceMs: z.int().min(0).max(3_600_000).default(serverConfigDefaults.callRejoinGraceMs),
  /** Participants one call may hold; more joins answer `CONFLICT`. */
  maxCallParticipants: z.int().min(1).max(100_000).default(serverConfigDefaults.maxCallParticipants),
  /** Participants (devices) one user may have across all live calls, those waiting to be resumed included; more joins answer `CONFLICT`. */
  maxCallParticipantsPerUser: z.int().min(1).max(1000).default(serverConfigDefaults.maxCallParticipantsPerUser),
  /** Delay before the second attempt of a webhook delivery, in ms; each later one waits twice as long (with jitter). */
  webhookRetryBaseMs: z.int().min(1).max(3_600_000).default(serverConfigDefaults.webhookRetryBaseMs),
  /** Attempts of a webhook delivery before it becomes a dead letter. */
  webhookMaxAttempts: z.int().min(1).max(50).default(serverConfigDefaults.webhookMaxAttempts),
  /** How long a webhook receiver has to answer, in ms; no answer in time counts as a failed attempt. */
  webhookTimeoutMs: z.int().min(100).max(120_000).default(serverConfigDefaults.webhookTimeoutMs),
  /** Webhook deliveries in flight at once (over all endpoints). */
  webhookConcurrency: z.int().min(1).max(256).default(serverConfigDefaults.webhookConcurrency),
}).superRefine((config, issue) => {
  if (config.rtcMinPort > config.rtcMaxPort) {
    issue.addIssue({ code: 'custom', path: ['rtcMinPort'], message: `rtcMinPort (${config.rtcMinPort}) must not be above rtcMaxPort (${config.rtcMaxPort})` });
  }
  if ((config.rtcListenIp === '0.0.0.0' || config.rtcListenIp === '::') && config.rtcAnnouncedIp === undefined && config.calls) {
    issue.addIssue({ code: 'custom', path: ['rtcAnnouncedIp'], message: `rtcAnnouncedIp is required when rtcListenIp is ${config.rtcListenIp}` });
  }
});

/** The number of media workers when none is configured: one per core. */
export function defaultMediaWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Serializable configuration as given (every field optional). */
export type ServerConfigInput = z.input<typeof serverConfigSchema>;
/** Serializable configuration with defaults filled in. */
export type ResolvedServerConfig = z.output<typeof serverConfigSchema>;

/** A configuration that could not be read or does not match {@link serverConfigSchema}. */
export class ConfigError extends Error {
  /**
   * @param message - what is wrong, naming the offending fields
   * @param options - the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Validates a configuration and fills in defaults. Throws {@link ConfigError} listing every problem. */
export function resolveServerConfig(input: unknown, source = 'configuration'): ResolvedServerConfig {
  const result = serverConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid ${source}: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Reads a JSON config file. Throws {@link ConfigError} when it is missing or not a JSON object. */
export function readConfigFile(file: string): ServerConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${file}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${file} is not valid JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  return value as ServerConfigInput;
}

function intOf(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${name} must be a whole number, got '${value}'`);
  return Number(value.trim());
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** What the CLI flags and environment ask for, before merging. */
/** One source of configuration (file, environment or flags), before defaults are applied. */
export interface ConfigLayer {
  port?: number;
  host?: string;
  dataDir?: string;
  logLevel?: string;
  allowedOrigins?: string[];
  maxTextBytes?: number;
  maxFileBytes?: number;
  userQuotaBytes?: number;
  signedUrlTtlSec?: number;
  allowedFileTypes?: string[];
  maxThumbnailPixels?: number;
  maxConcurrentUploadsPerUser?: number;
  stripImageMetadata?: boolean;
  unattachedFileTtlHours?: number;
  retentionSweepIntervalSec?: number;
  deskSweepIntervalSec?: number;
  presenceOfflineGraceMs?: number;
  presenceLargeConversationMembers?: number;
  apiKeys?: Record<string, string>;
  calls?: boolean;
  mediaWorkers?: number;
  rtcMinPort?: number;
  rtcMaxPort?: number;
  rtcListenIp?: string;
  rtcAnnouncedIp?: string;
  iceServers?: unknown;
  participantsPerRouter?: number;
  ringTimeoutSec?: number;
  callRejoinGraceMs?: number;
  maxCallParticipants?: number;
  maxCallParticipantsPerUser?: number;
  webhookRetryBaseMs?: number;
  webhookMaxAttempts?: number;
  webhookTimeoutMs?: number;
  webhookConcurrency?: number;
  config?: string;
}

function boolOf(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got '${value}'`);
}

function jsonOf(value: string, name: string): unknown {
  try {
    return JSON.parse(value);
  } catch (cause) {
    throw new ConfigError(`${name} must be JSON (an array of {urls, username?, credential?}), got '${value.slice(0, 100)}'`, { cause });
  }
}

/** Call settings from the environment. */
function callEnvLayer(env: NodeJS.ProcessEnv, layer: ConfigLayer): void {
  if (env.PLAZA_CALLS) layer.calls = boolOf(env.PLAZA_CALLS, 'PLAZA_CALLS');
  if (env.PLAZA_MEDIA_WORKERS) layer.mediaWorkers = intOf(env.PLAZA_MEDIA_WORKERS, 'PLAZA_MEDIA_WORKERS');
  if (env.PLAZA_RTC_MIN_PORT) layer.rtcMinPort = intOf(env.PLAZA_RTC_MIN_PORT, 'PLAZA_RTC_MIN_PORT');
  if (env.PLAZA_RTC_MAX_PORT) layer.rtcMaxPort = intOf(env.PLAZA_RTC_MAX_PORT, 'PLAZA_RTC_MAX_PORT');
  if (env.PLAZA_RTC_LISTEN_IP) layer.rtcListenIp = env.PLAZA_RTC_LISTEN_IP.trim();
  if (env.PLAZA_RTC_ANNOUNCED_IP) layer.rtcAnnouncedIp = env.PLAZA_RTC_ANNOUNCED_IP.trim();
  if (env.PLAZA_ICE_SERVERS) layer.iceServers = jsonOf(env.PLAZA_ICE_SERVERS, 'PLAZA_ICE_SERVERS');
  if (env.PLAZA_PARTICIPANTS_PER_ROUTER) layer.participantsPerRouter = intOf(env.PLAZA_PARTICIPANTS_PER_ROUTER, 'PLAZA_PARTICIPANTS_PER_ROUTER');
  if (env.PLAZA_RING_TIMEOUT_SEC) layer.ringTimeoutSec = intOf(env.PLAZA_RING_TIMEOUT_SEC, 'PLAZA_RING_TIMEOUT_SEC');
  if (env.PLAZA_CALL_REJOIN_GRACE_MS) layer.callRejoinGraceMs = intOf(env.PLAZA_CALL_REJOIN_GRACE_MS, 'PLAZA_CALL_REJOIN_GRACE_MS');
  if (env.PLAZA_MAX_CALL_PARTICIPANTS) layer.maxCallParticipants = intOf(env.PLAZA_MAX_CALL_PARTICIPANTS, 'PLAZA_MAX_CALL_PARTICIPANTS');
  if (env.PLAZA_MAX_CALL_PARTICIPANTS_PER_USER) {
    layer.maxCallParticipantsPerUser = intOf(env.PLAZA_MAX_CALL_PARTICIPANTS_PER_USER, 'PLAZA_MAX_CALL_PARTICIPANTS_PER_USER');
  }
}

/** Call settings from the CLI flags. */
function callFlagLayer(str: (name: string) => string | undefined, values: Record<string, string | boolean | undefined>, layer: ConfigLayer): void {
  if (values['no-calls'] === true) layer.calls = false;
  const ints = [
    ['media-workers', 'mediaWorkers'],
    ['rtc-min-port', 'rtcMinPort'],
    ['rtc-max-port', 'rtcMaxPort'],
    ['participants-per-router', 'participantsPerRouter'],
    ['ring-timeout-sec', 'ringTimeoutSec'],
    ['call-rejoin-grace-ms', 'callRejoinGraceMs'],
    ['max-call-participants', 'maxCallParticipants'],
    ['max-call-participants-per-user', 'maxCallParticipantsPerUser'],
  ] as const;
  for (const [flag, key] of ints) {
    const value = str(flag);
    if (value !== undefined) layer[key] = intOf(value, `--${flag}`);
  }
  const listenIp = str('rtc-listen-ip');
  if (listenIp !== undefined) layer.rtcListenIp = listenIp.trim();
  const announcedIp = str('rtc-announced-ip');
  if (announcedIp !== undefined) layer.rtcAnnouncedIp = announcedIp.trim();
  const iceServers = str('ice-servers');
  if (iceServers !== undefined) layer.iceServers = jsonOf(iceServers, '--ice-servers');
}

function numberOf(value: string, name: string): number {
  if (!/^\d+(\.\d+)?$/.test(value.trim())) throw new ConfigError(`${name} must be a number, got '${value}'`);
  return Number(value.trim());
}

/** File-sharing settings from the environment. */
function fileEnvLayer(env: NodeJS.ProcessEnv, layer: ConfigLayer): void {
  if (env.PLAZA_MAX_THUMBNAIL_PIXELS) layer.maxThumbnailPixels = intOf(env.PLAZA_MAX_THUMBNAIL_PIXELS, 'PLAZA_MAX_THUMBNAIL_PIXELS');
  if (env.PLAZA_MAX_CONCURRENT_UPLOADS_PER_USER) {
    layer.maxConcurrentUploadsPerUser = intOf(env.PLAZA_MAX_CONCURRENT_UPLOADS_PER_USER, 'PLAZA_MAX_CONCURRENT_UPLOADS_PER_USER');
  }
  if (env.PLAZA_STRIP_IMAGE_METADATA) layer.stripImageMetadata = boolOf(env.PLAZA_STRIP_IMAGE_METADATA, 'PLAZA_STRIP_IMAGE_METADATA');
  if (env.PLAZA_UNATTACHED_FILE_TTL_HOURS) layer.unattachedFileTtlHours = numberOf(env.PLAZA_UNATTACHED_FILE_TTL_HOURS, 'PLAZA_UNATTACHED_FILE_TTL_HOURS');
}

/** File-sharing settings from the CLI flags. */
function fileFlagLayer(str: (name: string) => string | undefined, layer: ConfigLayer): void {
  const pixels = str('max-thumbnail-pixels');
  if (pixels !== undefined) layer.maxThumbnailPixels = intOf(pixels, '--max-thumbnail-pixels');
  const uploads = str('max-concurrent-uploads-per-user');
  if (uploads !== undefined) layer.maxConcurrentUploadsPerUser = intOf(uploads, '--max-concurrent-uploads-per-user');
  const strip = str('strip-image-metadata');
  if (strip !== undefined) layer.stripImageMetadata = boolOf(strip, '--strip-image-metadata');
  const ttl = str('unattached-file-ttl-hours');
  if (ttl !== undefined) layer.unattachedFileTtlHours = numberOf(ttl, '--unattached-file-ttl-hours');
}

/** Webhook settings: flag, environment variable and key. */
const webhookSettings = [
  ['webhook-retry-base-ms', 'PLAZA_WEBHOOK_RETRY_BASE_MS', 'webhookRetryBaseMs'],
  ['webhook-max-attempts', 'PLAZA_WEBHOOK_MAX_ATTEMPTS', 'webhookMaxAttempts'],
  ['webhook-timeout-ms', 'PLAZA_WEBHOOK_TIMEOUT_MS', 'webhookTimeoutMs'],
  ['webhook-concurrency', 'PLAZA_WEBHOOK_CONCURRENCY', 'webhookConcurrency'],
] as const;

/** Webhook settings from the environment (`env`) or the CLI flags (`str`). */
function webhookLayer(layer: ConfigLayer, env: NodeJS.ProcessEnv | null, str: ((name: string) => string | undefined) | null): void {
  for (const [flag, variable, key] of webhookSettings) {
    const value = env ? env[variable] || undefined : str?.(flag);
    if (value !== undefined) layer[key] = intOf(value, env ? variable : `--${flag}`);
  }
}

function envLayer(env: NodeJS.ProcessEnv): ConfigLayer {
  const layer: ConfigLayer = {};
  if (env.PLAZA_PORT) layer.port = intOf(env.PLAZA_PORT, 'PLAZA_PORT');
  if (env.PLAZA_HOST) layer.host = env.PLAZA_HOST;
  if (env.PLAZA_DATA_DIR) layer.dataDir = env.PLAZA_DATA_DIR;
  if (env.PLAZA_CONFIG) layer.config = env.PLAZA_CONFIG;
  if (env.PLAZA_LOG_LEVEL) layer.logLevel = env.PLAZA_LOG_LEVEL;
  if (env.PLAZA_ALLOWED_ORIGINS !== undefined) layer.allowedOrigins = listOf(env.PLAZA_ALLOWED_ORIGINS);
  if (env.PLAZA_MAX_TEXT_BYTES) layer.maxTextBytes = intOf(env.PLAZA_MAX_TEXT_BYTES, 'PLAZA_MAX_TEXT_BYTES');
  if (env.PLAZA_MAX_FILE_BYTES) layer.maxFileBytes = intOf(env.PLAZA_MAX_FILE_BYTES, 'PLAZA_MAX_FILE_BYTES');
  if (env.PLAZA_USER_QUOTA_BYTES) layer.userQuotaBytes = intOf(env.PLAZA_USER_QUOTA_BYTES, 'PLAZA_USER_QUOTA_BYTES');
  if (env.PLAZA_SIGNED_URL_TTL_SEC) layer.signedUrlTtlSec = intOf(env.PLAZA_SIGNED_URL_TTL_SEC, 'PLAZA_SIGNED_URL_TTL_SEC');
  if (env.PLAZA_ALLOWED_FILE_TYPES !== undefined) layer.allowedFileTypes = listOf(env.PLAZA_ALLOWED_FILE_TYPES);
  fileEnvLayer(env, layer);
  if (env.PLAZA_RETENTION_SWEEP_INTERVAL_SEC) layer.retentionSweepIntervalSec = intOf(env.PLAZA_RETENTION_SWEEP_INTERVAL_SEC, 'PLAZA_RETENTION_SWEEP_INTERVAL_SEC');
  if (env.PLAZA_DESK_SWEEP_INTERVAL_SEC) layer.deskSweepIntervalSec = intOf(env.PLAZA_DESK_SWEEP_INTERVAL_SEC, 'PLAZA_DESK_SWEEP_INTERVAL_SEC');
  if (env.PLAZA_PRESENCE_OFFLINE_GRACE_MS) layer.presenceOfflineGraceMs = intOf(env.PLAZA_PRESENCE_OFFLINE_GRACE_MS, 'PLAZA_PRESENCE_OFFLINE_GRACE_MS');
  if (env.PLAZA_PRESENCE_LARGE_CONVERSATION_MEMBERS) {
    layer.presenceLargeConversationMembers = intOf(env.PLAZA_PRESENCE_LARGE_CONVERSATION_MEMBERS, 'PLAZA_PRESENCE_LARGE_CONVERSATION_MEMBERS');
  }
  const key = env.PLAZA_API_KEY;
  const secret = env.PLAZA_API_SECRET;
  if (key || secret) {
    if (!key || !secret) throw new ConfigError('PLAZA_API_KEY and PLAZA_API_SECRET must be set together');
    layer.apiKeys = { [key]: secret };
  }
  callEnvLayer(env, layer);
  webhookLayer(layer, env, null);
  return layer;
}

/** The CLI flags `plaza-server` understands. */
export const cliFlags = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'max-text-bytes': { type: 'string' },
  'max-file-bytes': { type: 'string' },
  'user-quota-bytes': { type: 'string' },
  'signed-url-ttl-sec': { type: 'string' },
  'allowed-file-types': { type: 'string' },
  'max-thumbnail-pixels': { type: 'string' },
  'max-concurrent-uploads-per-user': { type: 'string' },
  'strip-image-metadata': { type: 'string' },
  'unattached-file-ttl-hours': { type: 'string' },
  'retention-sweep-interval-sec': { type: 'string' },
  'desk-sweep-interval-sec': { type: 'string' },
  'presence-offline-grace-ms': { type: 'string' },
  'presence-large-conversation-members': { type: 'string' },
  'no-calls': { type: 'boolean' },
  'media-workers': { type: 'string' },
  'rtc-min-port': { type: 'string' },
  'rtc-max-port': { type: 'string' },
  'rtc-listen-ip': { type: 'string' },
  'rtc-announced-ip': { type: 'string' },
  'ice-servers': { type: 'string' },
  'participants-per-router': { type: 'string' },
  'ring-timeout-sec': { type: 'string' },
  'call-rejoin-grace-ms': { type: 'string' },
  'max-call-participants': { type: 'string' },
  'max-call-participants-per-user': { type: 'string' },
  'webhook-retry-base-ms': { type: 'string' },
  'webhook-max-attempts': { type: 'string' },
  'webhook-timeout-ms': { type: 'string' },
  'webhook-concurrency': { type: 'string' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parsed CLI: the flag layer plus switches that are not configuration. */
export interface ParsedCli {
  /** `--help` was given. */
  help: boolean;
  /** `--demo` was given (accepted for the root `start` script; it changes nothing yet). */
  demo: boolean;
  /** Configuration given as flags. */
  layer: ConfigLayer;
}

/** Parses `plaza-server` flags. Throws {@link ConfigError} on unknown flags or bad numbers. */
export function parseCliFlags(argv: readonly string[]): ParsedCli {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: cliFlags, strict: true, allowPositionals: false }));
  } catch (cause) {
    throw new ConfigError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const str = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const layer: ConfigLayer = {};
  const port = str('port');
  if (port !== undefined) layer.port = intOf(port, '--port');
  const host = str('host');
  if (host !== undefined) layer.host = host;
  const dataDir = str('data-dir');
  if (dataDir !== undefined) layer.dataDir = dataDir;
  const config = str('config');
  if (config !== undefined) layer.config = config;
  const logLevel = str('log-level');
  if (logLevel !== undefined) layer.logLevel = logLevel;
  const origins = str('allowed-origins');
  if (origins !== undefined) layer.allowedOrigins = listOf(origins);
  const maxText = str('max-text-bytes');
  if (maxText !== undefined) layer.maxTextBytes = intOf(maxText, '--max-text-bytes');
  const maxFile = str('max-file-bytes');
  if (maxFile !== undefined) layer.maxFileBytes = intOf(maxFile, '--max-file-bytes');
  const quota = str('user-quota-bytes');
  if (quota !== undefined) layer.userQuotaBytes = intOf(quota, '--user-quota-bytes');
  const ttl = str('signed-url-ttl-sec');
  if (ttl !== undefined) layer.signedUrlTtlSec = intOf(ttl, '--signed-url-ttl-sec');
  const types = str('allowed-file-types');
  if (types !== undefined) layer.allowedFileTypes = listOf(types);
  fileFlagLayer(str, layer);
  const sweep = str('retention-sweep-interval-sec');
  if (sweep !== undefined) layer.retentionSweepIntervalSec = intOf(sweep, '--retention-sweep-interval-sec');
  const deskSweep = str('desk-sweep-interval-sec');
  if (deskSweep !== undefined) layer.deskSweepIntervalSec = intOf(deskSweep, '--desk-sweep-interval-sec');
  const grace = str('presence-offline-grace-ms');
  if (grace !== undefined) layer.presenceOfflineGraceMs = intOf(grace, '--presence-offline-grace-ms');
  const large = str('presence-large-conversation-members');
  if (large !== undefined) layer.presenceLargeConversationMembers = intOf(large, '--presence-large-conversation-members');
  callFlagLayer(str, values, layer);
  webhookLayer(layer, null, str);
  return { help: values.help === true, demo: values.demo === true, layer };
}

/** Sources to load a configuration from. */
export interface LoadConfigSources {
  /** CLI arguments without `node` and the script. @default [] */
  argv?: readonly string[];
  /** Environment. @default {} */
  env?: NodeJS.ProcessEnv;
}

/**
 * Loads the configuration with precedence flags > environment > config file > defaults and
 * validates it. The config file is named by `--config` or `PLAZA_CONFIG` (the flag wins).
 * Throws {@link ConfigError}.
 */
export function loadServerConfig(sources: LoadConfigSources = {}): ResolvedServerConfig & { demo: boolean; help: boolean } {
  const cli = parseCliFlags(sources.argv ?? []);
  const env = envLayer(sources.env ?? {});
  const file = cli.layer.config ?? env.config;
  const fromFile: Record<string, unknown> = file ? { ...readConfigFile(file) } : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const layer of [env, cli.layer]) {
    for (const [key, value] of Object.entries(layer)) {
      if (key !== 'config' && value !== undefined) merged[key] = value;
    }
  }
  const resolved = resolveServerConfig(merged, file ? `configuration (file ${file}, environment and flags)` : 'configuration (environment and flags)');
  return { ...resolved, demo: cli.demo, help: cli.help };
}
