#!/usr/bin/env node
import { ConfigError, loadServerConfig } from './config.js';
import { createPlazaServer } from './createPlazaServer.js';
import { createLogger } from './logger.js';
import { StartupError } from './StartupError.js';

const HELP = `plaza-server: Plaza signaling and storage server

Flags (each also settable by environment, then config file; flags win):
  --port N              PLAZA_PORT             default 7700 (0 = any free port)
  --host H              PLAZA_HOST             default 0.0.0.0
  --data-dir D          PLAZA_DATA_DIR         default ./plaza-data
  --config FILE         PLAZA_CONFIG           JSON file with any createPlazaServer option
  --log-level L         PLAZA_LOG_LEVEL        fatal|error|warn|info|debug|trace|silent
  --allowed-origins a,b PLAZA_ALLOWED_ORIGINS  browser origins allowed to connect ('*' = all)
  --max-text-bytes N    PLAZA_MAX_TEXT_BYTES   message text limit in UTF-8 bytes
  --max-file-bytes N    PLAZA_MAX_FILE_BYTES   largest uploaded file (default 100 MiB)
  --user-quota-bytes N  PLAZA_USER_QUOTA_BYTES bytes of files one user may store (default 1 GiB)
  --signed-url-ttl-sec N PLAZA_SIGNED_URL_TTL_SEC lifetime of signed download URLs (default 300)
  --allowed-file-types a,b PLAZA_ALLOWED_FILE_TYPES sniffed media types accepted (image/* patterns)
  --max-thumbnail-pixels N
                        PLAZA_MAX_THUMBNAIL_PIXELS  largest image decoded for a thumbnail, in
                                               pixels (default 24000000; GIFs a quarter)
  --max-concurrent-uploads-per-user N
                        PLAZA_MAX_CONCURRENT_UPLOADS_PER_USER  upload requests one user may have
                                               in progress (default 8)
  --strip-image-metadata true|false
                        PLAZA_STRIP_IMAGE_METADATA  remove EXIF/XMP/text metadata from JPEG, PNG
                                               and WebP originals (default true)
  --unattached-file-ttl-hours N
                        PLAZA_UNATTACHED_FILE_TTL_HOURS  delete uploads no message refers to
                                               after N hours (default 24)
  --retention-sweep-interval-sec N
                        PLAZA_RETENTION_SWEEP_INTERVAL_SEC  apply conversations' retention periods
                                               every N seconds (default 60)
  --desk-sweep-interval-sec N
                        PLAZA_DESK_SWEEP_INTERVAL_SEC  mark requests whose first-response SLA ran
                                               out and escalate unacknowledged alerts every N
                                               seconds (default 15)
  --presence-offline-grace-ms N
                        PLAZA_PRESENCE_OFFLINE_GRACE_MS  announce offline only after N ms without
                                               a device (default 5000)
  --presence-large-conversation-members N
                        PLAZA_PRESENCE_LARGE_CONVERSATION_MEMBERS  no presence broadcasts into
                                               conversations this large (default 1000)
                        PLAZA_API_KEY + PLAZA_API_SECRET  API key pair (else <data-dir>/keys.json)

Calls (voice, video, screen sharing through the mediasoup SFU):
  --no-calls            PLAZA_CALLS=false      disable calls (no media workers)
  --media-workers N     PLAZA_MEDIA_WORKERS    mediasoup workers, one core each (default: cores)
  --rtc-min-port N      PLAZA_RTC_MIN_PORT     lowest RTC media port, UDP and TCP (default 40000)
  --rtc-max-port N      PLAZA_RTC_MAX_PORT     highest RTC media port (default 40999)
  --rtc-listen-ip IP    PLAZA_RTC_LISTEN_IP    media address (default: first non-internal IPv4,
                                               else 127.0.0.1)
  --rtc-announced-ip IP PLAZA_RTC_ANNOUNCED_IP address announced to clients (required with
                                               --rtc-listen-ip 0.0.0.0, or behind NAT)
  --ice-servers JSON    PLAZA_ICE_SERVERS      STUN/TURN servers for clients, e.g.
                                               '[{"urls":"stun:stun.example.org"}]' (urls: stun:,
                                               stuns:, turn:, turns: URIs; turn needs
                                               username and credential)
  --participants-per-router N
                        PLAZA_PARTICIPANTS_PER_ROUTER  beyond this a call spreads to another
                                               worker (default 100)
  --ring-timeout-sec N  PLAZA_RING_TIMEOUT_SEC how long a ring lasts (default 30)
  --call-rejoin-grace-ms N
                        PLAZA_CALL_REJOIN_GRACE_MS  how long a dropped participant may resume
                                               (default 15000)
  --max-call-participants N
                        PLAZA_MAX_CALL_PARTICIPANTS  participants one call may hold (default 200)
  --max-call-participants-per-user N
                        PLAZA_MAX_CALL_PARTICIPANTS_PER_USER  devices one user may have in calls
                                               at once, across all calls (default 4)

Webhooks (endpoints are managed through the REST API):
  --webhook-retry-base-ms N
                        PLAZA_WEBHOOK_RETRY_BASE_MS  wait before the 2nd attempt; doubles after
                                               each failure, with jitter (default 5000)
  --webhook-max-attempts N
                        PLAZA_WEBHOOK_MAX_ATTEMPTS  attempts before a dead letter (default 8)
  --webhook-timeout-ms N
                        PLAZA_WEBHOOK_TIMEOUT_MS  time a receiver has to answer (default 10000)
  --webhook-concurrency N
                        PLAZA_WEBHOOK_CONCURRENCY  deliveries in flight at once (default 8)
`;

async function main(): Promise<number> {
  let config;
  try {
    config = loadServerConfig({ argv: process.argv.slice(2), env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`plaza-server: ${error.message}\nRun plaza-server --help to list every setting.\n`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { demo: _demo, help: _help, ...options } = config;
  const logger = createLogger(options.logLevel);
  let server;
  try {
    server = await createPlazaServer({ ...options, logger });
  } catch (error) {
    if (error instanceof StartupError || error instanceof ConfigError) {
      process.stderr.write(`plaza-server: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'received signal; closing');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await server.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw error;
    await server.close().catch(() => undefined);
    const message =
      code === 'EADDRINUSE'
        ? `port ${options.port} is in use; pass --port or PLAZA_PORT`
        : code === 'EACCES'
          ? `no permission to listen on port ${options.port}; pass --port or PLAZA_PORT (ports below 1024 need privileges)`
          : `cannot listen on host ${options.host}; pass --host or PLAZA_HOST`;
    process.stderr.write(`plaza-server: ${message}\n`);
    return 2;
  }
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`plaza-server: failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
