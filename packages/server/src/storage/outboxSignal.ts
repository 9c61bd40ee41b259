import type Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult, SqliteDialectConfig, TransactionSettings } from 'kysely';

/**
 * Tells in-process listeners (the webhook dispatcher) that outbox rows were committed, so they
 * can act at once instead of waiting for their next poll. A hint only: a listener must still read
 * the outbox to learn what is new, and rows written by another process raise no signal.
 */
export class OutboxSignal {
  readonly #listeners = new Set<() => void>();

  /**
   * Calls `listener` after each commit that wrote outbox rows. Keep it cheap (it runs right after
   * the commit, before the writer's caller resumes): schedule work, do not do it.
   *
   * @param listener - called with no arguments; what it throws is ignored
   * @returns a function that removes the listener
   */
  on(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Calls every listener (after a commit that wrote outbox rows). */
  notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch {
        // A listener's failure must not fail the write that was already committed.
      }
    }
  }
}

/** `insert into "outbox"` as Kysely compiles it (the appender's prepared insert notifies on its own). */
const OUTBOX_INSERT = /^\s*insert\s+into\s+"outbox"/i;

/**
 * Kysely's SQLite dialect with a hook: when a statement inserted outbox rows, `signal` is notified
 * as soon as they are committed — after the `commit` of the transaction that wrote them, or at once
 * for a statement outside a transaction. A transaction that rolls back notifies nobody.
 */
export class OutboxSignallingSqliteDialect extends SqliteDialect {
  readonly #sqlite: Database.Database;
  readonly #signal: OutboxSignal;

  /**
   * @param config - `database` must be `sqlite` (the connection whose transactions are watched)
   * @param sqlite - the better-sqlite3 connection (its `inTransaction` tells when a write is committed)
   * @param signal - notified after commits that wrote outbox rows
   */
  constructor(config: SqliteDialectConfig, sqlite: Database.Database, signal: OutboxSignal) {
    super(config);
    this.#sqlite = sqlite;
    this.#signal = signal;
  }

  override createDriver(): Driver {
    return new SignallingDriver(super.createDriver(), this.#sqlite, this.#signal);
  }
}

/** Whether outbox rows were written in the open transaction (one connection, so one flag). */
interface WriteState {
  outboxWritten: boolean;
}

class SignallingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  readonly #sqlite: Database.Database;
  readonly #signal: OutboxSignal;
  readonly #state: WriteState;

  constructor(inner: DatabaseConnection, sqlite: Database.Database, signal: OutboxSignal, state: WriteState) {
    this.#inner = inner;
    this.#sqlite = sqlite;
    this.#signal = signal;
    this.#state = state;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (OUTBOX_INSERT.test(query.sql)) this.#state.outboxWritten = true;
    try {
      return await this.#inner.executeQuery<R>(query);
    } finally {
      if (query.sql === 'rollback') this.#state.outboxWritten = false;
      // No transaction open any more: what was written is committed (or was rolled back above).
      if (this.#state.outboxWritten && !this.#sqlite.inTransaction) {
        this.#state.outboxWritten = false;
        this.#signal.notify();
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(query, chunkSize);
  }
}

class SignallingDriver implements Driver {
  readonly #inner: Driver;
  readonly #sqlite: Database.Database;
  readonly #signal: OutboxSignal;
  readonly #state: WriteState = { outboxWritten: false };
  readonly #wrapped = new WeakMap<DatabaseConnection, SignallingConnection>();

  constructor(inner: Driver, sqlite: Database.Database, signal: OutboxSignal) {
    this.#inner = inner;
    this.#sqlite = sqlite;
    this.#signal = signal;
    // Savepoints go to the inner driver with the wrapped connection (whose queries are watched too).
    if (inner.savepoint) this.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    if (inner.releaseSavepoint) this.releaseSavepoint = inner.releaseSavepoint.bind(inner);
  }

  savepoint?: Driver['savepoint'];
  rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  releaseSavepoint?: Driver['releaseSavepoint'];

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection();
    let wrapped = this.#wrapped.get(connection);
    if (!wrapped) {
      wrapped = new SignallingConnection(connection, this.#sqlite, this.#signal, this.#state);
      this.#wrapped.set(connection, wrapped);
    }
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    // SQLite has one connection; the inner driver only unlocks its mutex.
    return this.#inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}
