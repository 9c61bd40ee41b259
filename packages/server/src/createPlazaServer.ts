import { join, resolve } from 'node:path';
import { limitDefaults } from '@plaza/protocol';
import type { ClientToServerEvents, ServerToClientEvents } from '@plaza/protocol';
import { LogController, fastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { ServerOptions } from 'socket.io';
import { apiHandlers } from './api/handlers/index.js';
import type { ApiServices } from './api/context.js';
import { registerApi } from './api/registerApi.js';
import { Auditor } from './Auditor.js';
import { CallManager } from './calls/CallManager.js';
import { defaultRtcListenIp } from './calls/mediaSettings.js';
import { StartupError } from './StartupError.js';
import { acquireDataDirLock, prepareDataDir, restrictDatabaseFiles } from './dataDir.js';
import { PlazaServer } from './PlazaServer.js';
import { defaultMediaWorkers, resolveServerConfig } from './config.js';
import type { ServerConfigInput } from './config.js';
import { registerDownloadRoute } from './files/downloadRoute.js';
import { FileService } from './files/FileService.js';
import type { FileStorage } from './files/FileStorage.js';
import { LocalDiskFileStorage } from './files/LocalDiskFileStorage.js';
import { deriveUrlKey } from './files/signedUrl.js';
import { UPLOAD_PATH, registerUploadRoutes } from './files/uploadRoutes.js';
import { answerFrameworkError, answerNotFound } from './http/errorShape.js';
import { registerHealthRoutes } from './http/health.js';
import { loadOrCreateKeys } from './keys.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { startMessageRetentionSweeps, startRetentionSweeps } from './retention.js';
import { AlertEscalator } from './desk/AlertEscalator.js';
import { deskEscalationRequests } from './desk/alertEscalationRequests.js';
import { startSlaSweeps } from './desk/slaSweep.js';
import { MemoryPresenceStore } from './presence/MemoryPresenceStore.js';
import { PresenceAnnouncer } from './presence/PresenceAnnouncer.js';
import type { PresenceStore } from './presence/PresenceStore.js';
import { MemoryRateLimiter } from './ratelimit/MemoryRateLimiter.js';
import type { RateLimiter } from './ratelimit/RateLimiter.js';
import { createAuthMiddleware } from './signaling/auth.js';
import { handleConnection } from './signaling/connection.js';
import { broadcastPresence } from './signaling/fanout.js';
import type { PlazaIo, SignalingContext, SocketData } from './signaling/context.js';
import { createAllowRequest, createCorsOrigin } from './signaling/origin.js';
import type { ChatStore } from './storage/ChatStore.js';
import { createSqliteChatStore } from './storage/index.js';
import { WebhookDispatcher } from './webhooks/WebhookDispatcher.js';
import { SERVER_VERSION } from './version.js';

/**
 * Options of {@link createPlazaServer}: the serializable configuration (see `serverConfigSchema`
 * for every field and its default) plus objects that cannot come from a file.
 */
export interface PlazaServerOptions extends ServerConfigInput {
  /** A pino logger to use instead of creating one from `logLevel`. */
  logger?: Logger;
  /**
   * The socket.io adapter (cross-node fan-out and session recovery), for example
   * `createAdapter(redis)` from `@socket.io/redis-streams-adapter`. @default the in-memory adapter
   */
  adapter?: ServerOptions['adapter'];
  /** Where presence lives. @default a `MemoryPresenceStore` (one node) */
  presenceStore?: PresenceStore;
  /**
   * Per-user limiters; `messages` applies to sends and edits on top of `requests`; `media` instead
   * of `requests` to the media plumbing of calls (transports, tracks, consumers), which a join into
   * a large call sends in bursts. @default in-memory token buckets from `rateLimits`
   */
  rateLimiters?: { requests: RateLimiter; messages: RateLimiter; media?: RateLimiter };
  /** A store to use instead of `<dataDir>/plaza.db` (the caller keeps ownership and closes it). */
  store?: ChatStore;
  /** Where file bytes live. @default a `LocalDiskFileStorage` in `<dataDir>/files/objects` */
  fileStorage?: FileStorage;
}

/** Presence changes within this window are broadcast together, at most one per user. */
const PRESENCE_COALESCE_MS = 250;

/** How long a disconnected client's session (rooms, missed packets) is kept for recovery. */
const RECOVERY_WINDOW_MS = 2 * 60 * 1000;

/**
 * Creates a Plaza server: validates the options (throwing `ConfigError`), creates the data
 * directory, loads or generates the API keys, opens and migrates the database, and wires HTTP and
 * socket.io. Call `listen()` on the result to start serving.
 *
 * @example
 * ```ts
 * const server = await createPlazaServer({ port: 0, dataDir: '/tmp/plaza' });
 * const { url } = await server.listen();
 * ```
 */
export async function createPlazaServer(options: PlazaServerOptions = {}): Promise<PlazaServer> {
  const { logger: givenLogger, adapter, presenceStore, rateLimiters, store: givenStore, fileStorage, ...serializable } = options;
  const config = resolveServerConfig(serializable, 'createPlazaServer options');
  const logger = givenLogger ?? createLogger(config.logLevel);
  const dataDir = resolve(config.dataDir);
  prepareDataDir(dataDir);
  // Open the database before anything is written (keys.json), so a bad data dir leaves no trace.
  const releaseLock = givenStore ? () => undefined : acquireDataDirLock(dataDir);
  let store: ChatStore;
  let apiKeys: Record<string, string>;
  try {
    store = givenStore ?? (await openDatabase(join(dataDir, 'plaza.db'), config.sqliteSynchronous, logger));
    try {
      apiKeys = config.apiKeys ?? loadOrCreateKeys(dataDir, logger);
    } catch (error) {
      if (!givenStore) await store.close().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    releaseLock();
    throw error;
  }

  const urlKey = deriveUrlKey(apiKeys);
  const files = new FileService({
    store,
    storage: fileStorage ?? new LocalDiskFileStorage(join(dataDir, 'files', 'objects')),
    uploadsDirectory: join(dataDir, 'files', 'uploads'),
    policy: {
      maxFileBytes: config.maxFileBytes,
      userQuotaBytes: config.userQuotaBytes,
      allowedFileTypes: config.allowedFileTypes,
      signedUrlTtlSec: config.signedUrlTtlSec,
      maxThumbnailPixels: config.maxThumbnailPixels,
      maxConcurrentUploadsPerUser: config.maxConcurrentUploadsPerUser,
      stripImageMetadata: config.stripImageMetadata,
      unattachedFileTtlHours: config.unattachedFileTtlHours,
    },
    urlKey,
    logger: logger.child({ component: 'files' }),
  });
  try {
    await files.start();
  } catch (error) {
    if (!givenStore) await store.close().catch(() => undefined);
    throw error;
  }

  const metrics = createMetrics();
  const auditor = new Auditor(store, logger.child({ component: 'audit' }));
  const limiters = {
    requests: rateLimiters?.requests ?? new MemoryRateLimiter(config.rateLimits.requests),
    messages: rateLimiters?.messages ?? new MemoryRateLimiter(config.rateLimits.messages),
    media: rateLimiters?.media ?? new MemoryRateLimiter(config.rateLimits.media),
  };
  const presence = presenceStore ?? new MemoryPresenceStore();
  let closing = false;
  const isClosing = () => closing;

  const http = fastify({
    loggerInstance: logger.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    // Requests refused before routing and unknown paths answer in the REST API's error shape.
    frameworkErrors: answerFrameworkError,
  }) as unknown as FastifyInstance;
  http.setNotFoundHandler(answerNotFound);
  registerHealthRoutes(http, { store, registry: metrics.registry, isClosing });
  registerUploadRoutes(http, {
    files,
    store,
    apiKeys,
    allowedOrigins: config.allowedOrigins,
    limiter: limiters.requests,
    auditor,
    logger: logger.child({ component: 'uploads' }),
    isClosing,
  });
  registerDownloadRoute(http, { store, storage: files.storage, urlKey, allowedOrigins: config.allowedOrigins, logger: logger.child({ component: 'downloads' }) });

  const io: PlazaIo = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http.server, {
    path: '/socket.io',
    maxHttpBufferSize: limitDefaults.maxPacketBytes,
    allowRequest: createAllowRequest(config.allowedOrigins, (req) => {
      metrics.refusals.inc({ reason: 'ORIGIN_NOT_ALLOWED' });
      auditor.record({
        action: 'connection.refused',
        outcome: 'denied',
        reason: 'ORIGIN_NOT_ALLOWED',
        ip: req.socket.remoteAddress ?? null,
        details: { origin: req.headers.origin ?? null },
      });
    }),
    cors: { origin: createCorsOrigin(config.allowedOrigins), credentials: false },
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
    serveClient: false,
    // Clients notice a stalled server (and the server a dead client) within interval + timeout.
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    ...(adapter ? { adapter } : {}),
  });

  const calls = new CallManager({
    io,
    store,
    auditor,
    metrics,
    logger,
    settings: {
      enabled: config.calls,
      mediaWorkers: config.mediaWorkers ?? defaultMediaWorkers(),
      rtcMinPort: config.rtcMinPort,
      rtcMaxPort: config.rtcMaxPort,
      rtcAddress: {
        ip: config.rtcListenIp ?? defaultRtcListenIp(),
        ...(config.rtcAnnouncedIp ? { announcedIp: config.rtcAnnouncedIp } : {}),
      },
      iceServers: config.iceServers,
      participantsPerRouter: config.participantsPerRouter,
      ringTimeoutMs: config.ringTimeoutSec * 1000,
      rejoinGraceMs: config.callRejoinGraceMs,
      maxCallParticipants: config.maxCallParticipants,
      maxCallParticipantsPerUser: config.maxCallParticipantsPerUser,
    },
  });
  await calls.start();

  const inflight = new Set<Promise<unknown>>();
  const announcer = new PresenceAnnouncer({
    presence,
    offlineGraceMs: config.presenceOfflineGraceMs,
    coalesceMs: PRESENCE_COALESCE_MS,
    broadcast: async (changes) => {
      for (const change of changes) await broadcastPresence(ctx, change);
    },
    onError: (error) => logger.warn({ err: error, component: 'presence' }, 'presence broadcast failed'),
  });
  const ctx: SignalingContext = {
    io,
    store,
    presence,
    announcer,
    limiters,
    auditor,
    metrics,
    logger,
    limits: {
      maxTextBytes: config.maxTextBytes,
      maxPacketBytes: limitDefaults.maxPacketBytes,
      maxPageSize: limitDefaults.maxPageSize,
      defaultPageSize: limitDefaults.defaultPageSize,
      maxFileBytes: config.maxFileBytes,
      userQuotaBytes: config.userQuotaBytes,
      allowedFileTypes: config.allowedFileTypes,
      uploadPath: UPLOAD_PATH,
      maxAttachments: limitDefaults.maxAttachments,
      presenceLargeConversationMembers: config.presenceLargeConversationMembers,
      maxTokenTtlSec: config.maxTokenTtlSec,
    },
    files,
    apiKeys,
    allowedOrigins: config.allowedOrigins,
    serverVersion: SERVER_VERSION,
    isClosing,
    inflight,
    calls,
  };
  io.use(createAuthMiddleware(ctx));
  const webhooks = new WebhookDispatcher({
    store,
    metrics,
    logger,
    retryBaseMs: config.webhookRetryBaseMs,
    maxAttempts: config.webhookMaxAttempts,
    timeoutMs: config.webhookTimeoutMs,
    concurrency: config.webhookConcurrency,
    userAgent: `Plaza-Webhooks/${SERVER_VERSION}`,
  });
  // Before the retention sweep: its outbox cursor tells the sweep which events are still owed.
  await webhooks.start();
  const services: ApiServices = { webhooks };
  registerApi(http, { server: ctx, services, handlers: apiHandlers, rateLimits: config.rateLimits });
  const stopSweeps = startRetentionSweeps(store, config, logger);
  const stopMessageSweeps = startMessageRetentionSweeps({ store, files, auditor }, config.retentionSweepIntervalSec, logger);
  const stopSlaSweeps = startSlaSweeps(ctx, config.deskSweepIntervalSec, logger);
  const stopAlertEscalations = new AlertEscalator(ctx, deskEscalationRequests(ctx), logger).start(config.deskSweepIntervalSec);
  io.on('connection', (socket) => handleConnection(ctx, socket));

  return new PlazaServer({
    config,
    http,
    io,
    store,
    presence,
    limiters,
    auditor,
    metrics,
    logger,
    files,
    inflight,
    calls,
    webhooks,
    markClosing: () => {
      closing = true;
      stopSweeps();
      stopMessageSweeps();
      stopAlertEscalations();
      stopSlaSweeps();
      announcer.close();
    },
    ownsStore: !givenStore,
    onClosed: releaseLock,
  });
}

/**
 * Opens and migrates `<dataDir>/plaza.db` (mode 0600). Throws {@link StartupError} naming the file
 * when it is not a database or cannot be opened.
 */
async function openDatabase(filename: string, synchronous: 'full' | 'normal', logger: Logger): Promise<ChatStore> {
  let store: ChatStore | undefined;
  try {
    restrictDatabaseFiles(filename);
    store = createSqliteChatStore({ filename, synchronous, logger });
    await store.migrate();
    restrictDatabaseFiles(filename);
    return store;
  } catch (error) {
    if (store) await store.close().catch(() => undefined);
    if (error instanceof StartupError) throw error;
    const sqliteCode = (error as { code?: unknown } | null)?.code;
    if (sqliteCode === 'SQLITE_NOTADB' || sqliteCode === 'SQLITE_CORRUPT') {
      throw new StartupError(`${filename} is not a Plaza SQLite database (${sqliteCode}); move it away or pass another --data-dir`, { cause: error });
    }
    const detail = typeof sqliteCode === 'string' ? sqliteCode : error instanceof Error ? error.message : String(error);
    throw new StartupError(`cannot open the database ${filename} (${detail})`, { cause: error });
  }
}
