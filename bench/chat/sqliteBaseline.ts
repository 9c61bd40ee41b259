import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile, SampleBuffer } from '../lib/stats.js';
import { createRequire } from 'node:module';

/** The few better-sqlite3 calls the baseline uses (typed here: bench has no @types/better-sqlite3). */
interface Statement {
  run(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  pragma(source: string): unknown;
  exec(source: string): unknown;
  prepare(source: string): Statement;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => SqliteDatabase;

/** What the plain SQLite insert loop measured. */
export interface SqliteBaselineResult {
  /** Rows inserted with one transaction (one commit, one WAL fsync) per row. */
  perInsertRows: number;
  perInsertPerSecond: number;
  /** Latency of one such insert + commit (fsync of the WAL), p50 and p99 in ms. */
  commitP50: number;
  commitP99: number;
  /** Rows inserted in transactions of `batchSize` rows. */
  batchedRows: number;
  batchSize: number;
  batchedPerSecond: number;
}

/**
 * A bare better-sqlite3 insert loop into a table shaped like Plaza's `messages` table (same
 * columns and unique indexes), with the pragmas Plaza uses by default: WAL, synchronous FULL.
 * Runs in this process, in a temp dir on the same filesystem as the server's data dir.
 */
export function runSqliteBaseline(options: { perInsertMs: number; batchedRows: number; batchSize: number; conversations: number }): SqliteBaselineResult {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-bench-sqlite-'));
  try {
    const db = new Database(join(dir, 'baseline.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE messages (
        id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, rev INTEGER NOT NULL,
        client_id TEXT, sender_id TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL, reply_to TEXT,
        mentions TEXT NOT NULL, created_at TEXT NOT NULL, edited_at TEXT, deleted_at TEXT
      );
      CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq);
      CREATE UNIQUE INDEX messages_client ON messages (conversation_id, client_id);
    `);
    const insert = db.prepare(
      `INSERT INTO messages (id, conversation_id, seq, rev, client_id, sender_id, kind, text, reply_to, mentions, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'user', ?, NULL, '[]', ?)`,
    );
    const seqs = new Uint32Array(options.conversations);
    const text = `ingest ${'y'.repeat(90)}`;
    let counter = 0;
    const insertOne = () => {
      const k = counter++;
      const c = k % options.conversations;
      const seq = ++seqs[c]!;
      insert.run(`m_${k.toString(36).padStart(20, '0')}`, `c_${c}`, seq, seq, `cl-${k}`, `bench-u${c}`, text, new Date().toISOString());
    };
    const insertOneTx = db.transaction(insertOne);
    const insertBatch = db.transaction((size: number) => {
      for (let i = 0; i < size; i++) insertOne();
    });

    // One transaction per insert, for a fixed time.
    let perInsertRows = 0;
    const start1 = performance.now();
    const deadline = start1 + options.perInsertMs;
    const commits = new SampleBuffer();
    while (performance.now() < deadline) {
      const t = performance.now();
      insertOneTx();
      commits.push(performance.now() - t);
      perInsertRows++;
    }
    const perInsertPerSecond = (perInsertRows * 1000) / (performance.now() - start1);

    // Batched: `batchSize` rows per transaction.
    const start2 = performance.now();
    let batchedRows = 0;
    while (batchedRows < options.batchedRows) {
      const size = Math.min(options.batchSize, options.batchedRows - batchedRows);
      insertBatch(size);
      batchedRows += size;
    }
    const batchedPerSecond = batchedRows === 0 ? Number.NaN : (batchedRows * 1000) / (performance.now() - start2);
    db.close();
    return {
      perInsertRows,
      perInsertPerSecond,
      commitP50: percentile(commits.values(), 50),
      commitP99: percentile(commits.values(), 99),
      batchedRows,
      batchSize: options.batchSize,
      batchedPerSecond,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
