import { runPeriodically } from './periodic.js';
import type { Logger } from 'pino';
import type { Auditor } from './Auditor.js';
import type { FileService } from './files/FileService.js';
import type { ChatStore } from './storage/ChatStore.js';
import type { RetentionSwept } from './storage/retentionQueries.js';

/** How often the retention sweep runs. */
export const RETENTION_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** How long outbox events and audit records are kept. */
export interface RetentionPolicy {
  /** Outbox events older than this many hours are deleted. */
  outboxRetentionHours: number;
  /** Audit records older than this many days are deleted. */
  auditRetentionDays: number;
}

/**
 * Deletes outbox events and audit records older than the policy allows, as of `now`.
 *
 * @param store - the chat store
 * @param policy - how long each is kept
 * @param now - the current time (tests pass their own)
 * @returns how many outbox events and audit records were deleted
 */
export function sweepRetention(store: ChatStore, policy: RetentionPolicy, now: Date = new Date()): Promise<{ outbox: number; audit: number }> {
  const at = now.getTime();
  return store.deleteExpired({
    outboxBefore: new Date(at - policy.outboxRetentionHours * 3_600_000).toISOString(),
    auditBefore: new Date(at - policy.auditRetentionDays * 86_400_000).toISOString(),
  });
}

/**
 * Runs {@link sweepRetention} once now and then every {@link RETENTION_SWEEP_INTERVAL_MS}; the
 * timer does not keep the process alive. Returns a function that stops it.
 *
 * @param store - the chat store
 * @param policy - how long each is kept
 * @param logger - where deletions and failures are logged
 */
export function startRetentionSweeps(store: ChatStore, policy: RetentionPolicy, logger: Logger): () => void {
  let stopped = false;
  const run = () => {
    if (stopped) return;
    sweepRetention(store, policy).then(
      (deleted) => {
        if (deleted.outbox > 0 || deleted.audit > 0) logger.info({ component: 'retention', deleted }, 'retention sweep deleted old rows');
      },
      (error: unknown) => {
        if (!stopped) logger.warn({ component: 'retention', err: error }, 'retention sweep failed');
      },
    );
  };
  run();
  const timer = setInterval(run, RETENTION_SWEEP_INTERVAL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Most messages one conversation loses per transaction of the message retention sweep. */
export const MESSAGE_SWEEP_BATCH = 500;

/** What the message retention sweep needs. */
export interface MessageRetentionDeps {
  store: ChatStore;
  /** Deletes the bytes and thumbnails of the files whose rows went. */
  files: Pick<FileService, 'deleteBytes'>;
  /** Records `retention.swept`. */
  auditor: Pick<Auditor, 'record'>;
}

/**
 * Applies every conversation's retention period as of `now`: deletes the messages created
 * before `now - retention_seconds` with their reactions, attachment links and outbox events, and
 * the files nothing references any more (rows, then bytes and thumbnails), in batches of
 * {@link MESSAGE_SWEEP_BATCH} messages per conversation until nothing is left. Each conversation
 * that lost something is audited as `retention.swept` with its counts.
 *
 * @param deps - store, file bytes and audit
 * @param now - the current time (tests pass their own)
 * @returns what each conversation lost (summed over batches)
 */
export async function sweepMessageRetention(deps: MessageRetentionDeps, now: Date = new Date()): Promise<RetentionSwept[]> {
  const totals = new Map<string, RetentionSwept>();
  for (;;) {
    const batch = await deps.store.sweepExpiredMessages(now.getTime(), MESSAGE_SWEEP_BATCH);
    await deps.files.deleteBytes(batch.releasedFiles);
    for (const swept of batch.swept) {
      const total = totals.get(swept.conversationId);
      if (!total) totals.set(swept.conversationId, { ...swept });
      else {
        total.messages += swept.messages;
        total.reactions += swept.reactions;
        total.files += swept.files;
        total.outboxEvents += swept.outboxEvents;
      }
    }
    if (!batch.more) break;
  }
  for (const swept of totals.values()) {
    const { conversationId, ...details } = swept;
    deps.auditor.record({ action: 'retention.swept', target: conversationId, details });
  }
  return [...totals.values()];
}

/**
 * Runs {@link sweepMessageRetention} every `intervalSec` seconds (the first run after one
 * interval; a run never overlaps the previous one). The timer does not keep the process alive.
 * Returns a function that stops it.
 *
 * @param deps - store, file bytes and audit
 * @param intervalSec - seconds between runs (`retentionSweepIntervalSec`)
 * @param logger - where deletions and failures are logged
 */
export function startMessageRetentionSweeps(deps: MessageRetentionDeps, intervalSec: number, logger: Logger): () => void {
  return runPeriodically(
    intervalSec * 1000,
    async () => {
      const swept = await sweepMessageRetention(deps);
      if (swept.length > 0) logger.info({ component: 'retention', conversations: swept.length }, 'message retention sweep deleted old messages');
    },
    (error) => logger.warn({ component: 'retention', err: error }, 'message retention sweep failed'),
  );
}
