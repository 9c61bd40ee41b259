import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { ChatDatabase } from './schema.js';

/**
 * Runs `fn` in one transaction whose commit does not wait for a disk sync of its own: for
 * bookkeeping that may be lost in a power cut because it can be redone (the webhook dispatcher's
 * fan-out and delivery outcomes: losing them only means sending a delivery again, which
 * at-least-once allows).
 *
 * On SQLite in WAL mode the commit runs with `synchronous = NORMAL` (the store's own level is put
 * back right after, on the same connection): its pages go to the WAL without an fsync, so a crash
 * of the process loses nothing (the operating system has them), and the next commit that syncs —
 * every message, change or API write — makes them durable too, because the WAL is synced as a
 * whole and replayed in order: a later commit cannot survive a power cut while this one is lost.
 * (On PostgreSQL the same is `SET LOCAL synchronous_commit = off`.)
 *
 * @param db - the database
 * @param fn - the transaction's work
 */
export async function unsyncedTransaction<T>(db: Kysely<ChatDatabase>, fn: (trx: Kysely<ChatDatabase>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    const row = (await sql<{ synchronous: number }>`pragma synchronous`.execute(conn)).rows[0];
    const level = Number(row?.synchronous ?? 2);
    if (level <= 1) return conn.transaction().execute(fn);
    await sql`pragma synchronous = NORMAL`.execute(conn);
    try {
      return await conn.transaction().execute(fn);
    } finally {
      await sql.raw(`pragma synchronous = ${level}`).execute(conn);
    }
  });
}
