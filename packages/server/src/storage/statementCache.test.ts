import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './statementCache.js';

describe('withStatementCache', () => {
  const opened: Database.Database[] = [];
  const open = () => {
    const sqlite = new Database(':memory:');
    opened.push(sqlite);
    sqlite.exec('create table t (id integer primary key, name text)');
    return sqlite;
  };
  afterEach(() => {
    for (const sqlite of opened.splice(0)) if (sqlite.open) sqlite.close();
  });

  it('hands out the same prepared statement for the same SQL text', () => {
    const db = withStatementCache(open());
    const first = db.prepare('select * from t where id = ?');
    expect(db.prepare('select * from t where id = ?')).toBe(first);
    expect(db.prepare('select * from t where name = ?')).not.toBe(first);
  });

  it('runs reused statements with their new parameters each time', () => {
    const db = withStatementCache(open());
    db.prepare('insert into t (id, name) values (?, ?)').run([1, 'one']);
    db.prepare('insert into t (id, name) values (?, ?)').run([2, 'two']);
    expect(db.prepare('select name from t where id = ?').all([2])).toEqual([{ name: 'two' }]);
    expect(db.prepare('select name from t where id = ?').all([1])).toEqual([{ name: 'one' }]);
  });

  it('prepares a fresh statement while the kept one is iterating', () => {
    const db = withStatementCache(open());
    db.prepare('insert into t (id, name) values (?, ?)').run([1, 'one']);
    db.prepare('insert into t (id, name) values (?, ?)').run([2, 'two']);
    const iterating = db.prepare('select id from t order by id');
    const rows = iterating.iterate([]);
    expect(rows.next().value).toEqual({ id: 1 });
    const again = db.prepare('select id from t order by id');
    expect(again).not.toBe(iterating);
    expect(rows.next().value).toEqual({ id: 2 });
    expect(rows.next().done).toBe(true);
    // (better-sqlite3 runs nothing else on the connection until the iteration ended.)
    expect(again.all([])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(db.prepare('select id from t order by id')).toBe(iterating);
  });

  it('sees schema changes made after a statement was kept', () => {
    const sqlite = open();
    const db = withStatementCache(sqlite);
    db.prepare('insert into t (id, name) values (?, ?)').run([1, 'one']);
    expect(db.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'one' }]);
    sqlite.exec("alter table t add column note text default 'n'");
    expect(db.prepare('select * from t').all([])).toEqual([{ id: 1, name: 'one', note: 'n' }]);
  });

  it('keeps at most `capacity` texts, dropping the least recently used', () => {
    const db = withStatementCache(open(), 2);
    const a = db.prepare('select 1');
    const b = db.prepare('select 2');
    expect(db.prepare('select 1')).toBe(a);
    db.prepare('select 3'); // drops `select 2`, the least recently used
    expect(db.prepare('select 1')).toBe(a);
    expect(db.prepare('select 2')).not.toBe(b);
  });

  it('closes the connection', () => {
    const sqlite = open();
    withStatementCache(sqlite).close();
    expect(sqlite.open).toBe(false);
  });
});
