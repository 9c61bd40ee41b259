import type { Logger } from 'pino';
import { GroupCommitBatcher } from './GroupCommitBatcher.js';
import type { AuditEntry, ChatStore } from './storage/ChatStore.js';

/** Options of {@link Auditor}. */
export interface AuditorOptions {
  /**
   * Entries recorded within this many milliseconds are written in one transaction (one commit,
   * one fsync, instead of one per entry).
   * @default 25
   */
  batchWindowMs?: number;
  /**
   * A batch this large is written at once, without waiting for the window to close.
   * @default 500
   */
  maxBatchSize?: number;
}

/**
 * Records audit entries without making the caller wait, and lets shutdown wait for them. Entries
 * are group-committed: those recorded within a short window are written together.
 */
export class Auditor {
  readonly #logger: Logger;
  readonly #batcher: GroupCommitBatcher<AuditEntry>;

  /**
   * @param store - where entries are written
   * @param logger - where failures to write them are reported
   * @param options - batching, see {@link AuditorOptions}
   */
  constructor(store: ChatStore, logger: Logger, options: AuditorOptions = {}) {
    this.#logger = logger;
    this.#batcher = new GroupCommitBatcher<AuditEntry>({
      write: (batch) => store.auditMany(batch),
      committed: () => undefined,
      failed: (batch, error) =>
        logger.error({ err: error, actions: [...new Set(batch.map((e) => e.action))], entries: batch.length }, 'could not write audit entries'),
      windowMs: Math.max(0, options.batchWindowMs ?? 25),
      maxBatch: Math.max(1, options.maxBatchSize ?? 500),
    });
  }

  /**
   * Records one entry (never a token or message text). Missing fields default to `null`;
   * `outcome` defaults to `allowed`, `at` to now. A failure is logged, never thrown.
   */
  record(entry: Partial<AuditEntry> & Pick<AuditEntry, 'action'>): void {
    const full: AuditEntry = {
      action: entry.action,
      actorId: entry.actorId ?? null,
      target: entry.target ?? null,
      outcome: entry.outcome ?? 'allowed',
      reason: entry.reason ?? null,
      ip: entry.ip ?? null,
      details: entry.details ?? null,
      // The time of the action: the batch is written up to a window later.
      at: entry.at ?? new Date().toISOString(),
    };
    this.#logger.info({ audit: full }, 'audit');
    this.#batcher.push(full);
  }

  /** Writes what is queued now and waits until every entry recorded so far is written (or has failed). */
  async flush(): Promise<void> {
    await this.#batcher.flush();
  }
}
