import type { Logger } from 'pino';
import type { AuditEntry, ChatStore } from './storage/ChatStore.js';

/** Records audit entries without making the caller wait, and lets shutdown wait for them. */
export class Auditor {
  readonly #store: ChatStore;
  readonly #logger: Logger;
  readonly #pending = new Set<Promise<void>>();

  /**
   * @param store - where entries are written
   * @param logger - where failures to write them are reported
   */
  constructor(store: ChatStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  /**
   * Records one entry (never a token or message text). Missing fields default to `null`;
   * `outcome` defaults to `allowed`. A failure is logged, never thrown.
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
    };
    this.#logger.info({ audit: full }, 'audit');
    const p = this.#store
      .audit(full)
      .catch((error: unknown) => this.#logger.error({ err: error, action: full.action }, 'could not write audit entry'))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Waits until every entry recorded so far is written (or has failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}
