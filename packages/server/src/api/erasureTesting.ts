import Database from 'better-sqlite3';
import { expect } from 'vitest';

/*
 * Helpers of the erasure tests (tests only).
 */

/**
 * Every `table.column` of the SQLite database `file` whose value (as text) contains `needle`
 * (with the value when `SCAN_DEBUG` is set). Asserts the core tables exist, so an empty scan of
 * the wrong file cannot pass.
 */
export function scanDatabase(file: string, needle: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hits: string[] = [];
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'messages', 'audit', 'outbox', 'files', 'webhook_deliveries']));
    for (const { name } of tables) {
      for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
        for (const [column, value] of Object.entries(row)) {
          const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
          if (text.includes(needle)) hits.push(`${name}.${column}${process.env.SCAN_DEBUG ? ` ${text}` : ''}`);
        }
      }
    }
    return hits;
  } finally {
    db.close();
  }
}
