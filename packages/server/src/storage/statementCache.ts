import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared (the store's queries are a few hundred at most). */
const DEFAULT_CAPACITY = 1000;

/**
 * The better-sqlite3 connection as Kysely's SQLite dialect sees it, with the statements it
 * prepares kept for reuse: Kysely asks for `prepare(sql)` on every query, and preparing (parsing
 * and planning the SQL) costs about as much as running a small query. A statement is reused for
 * the same SQL text unless it is busy (an `iterate()` still open on it), in which case a fresh
 * one is prepared. SQLite re-prepares a kept statement itself after a schema change.
 *
 * The cache is bounded: past `capacity` distinct texts the least recently used one is dropped.
 *
 * @param sqlite - the open connection
 * @param capacity - distinct SQL texts kept
 * @returns what to pass as the dialect's `database`
 */
export function withStatementCache(sqlite: Database.Database, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare(sqlText: string): SqliteStatement {
      const kept = statements.get(sqlText);
      if (kept && !kept.busy) {
        // Most recently used last: the first entry is the one to drop.
        statements.delete(sqlText);
        statements.set(sqlText, kept);
        return kept as SqliteStatement;
      }
      const statement = sqlite.prepare(sqlText);
      if (!kept) {
        statements.set(sqlText, statement);
        if (statements.size > capacity) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
      }
      return statement as SqliteStatement;
    },
  };
}
