import type { Logger } from 'pino';
import type { ChatStore } from './storage/ChatStore.js';

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
