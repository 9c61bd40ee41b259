import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { StartupError } from './StartupError.js';

/** Name of the lock file inside the data directory. */
export const LOCK_FILE = 'plaza.lock';

/** How often a running server touches its lock file. */
const LOCK_HEARTBEAT_MS = 10_000;
/** A lock of another host untouched for this long is taken over. */
const LOCK_STALE_MS = 60_000;

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Creates the data directory (mode 0700) if missing and checks that it is a writable directory;
 * creates (or tightens) its `files/` directory with mode 0700.
 * Throws {@link StartupError} with one line naming the directory.
 */
export function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (code(error) === 'EEXIST') throw new StartupError(`data directory ${dataDir} is a file, not a directory`, { cause: error });
    if (code(error) === 'ENOTDIR') {
      throw new StartupError(`cannot create data directory ${dataDir}: a parent of it is a file, not a directory`, { cause: error });
    }
    if (code(error) === 'EACCES' || code(error) === 'EROFS' || code(error) === 'EPERM') {
      throw new StartupError(`cannot create data directory ${dataDir}: ${dirname(dataDir)} is not writable (${code(error)})`, { cause: error });
    }
    throw new StartupError(`cannot create data directory ${dataDir}: ${(error as Error).message}`, { cause: error });
  }
  if (!statSync(dataDir).isDirectory()) throw new StartupError(`data directory ${dataDir} is not a directory`);
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new StartupError(`data directory ${dataDir} is not writable (${code(error) ?? 'access denied'})`, { cause: error });
  }
  // Files are as private as the database. Created here, before the upload store would create it
  // with the default mode (0755 after umask); an existing one from an older version is tightened.
  const files = join(dataDir, 'files');
  mkdirSync(files, { recursive: true, mode: 0o700 });
  chmodSync(files, 0o700);
}

/**
 * Creates the database file with mode 0600 if it is missing (SQLite gives its `-wal` and `-shm`
 * files the mode of the database) and tightens the modes of existing ones to 0600.
 */
export function restrictDatabaseFiles(dbFile: string): void {
  if (!existsSync(dbFile)) closeSync(openSync(dbFile, 'a', 0o600));
  for (const file of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if (code(error) !== 'ENOENT') throw new StartupError(`cannot restrict ${file} to mode 0600 (${code(error) ?? 'error'})`, { cause: error });
    }
  }
}

interface LockContent {
  pid: number;
  hostname: string;
  startedAt: string;
}

/** Lock files held by servers of this process (a pid check cannot tell them apart). */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === 'EPERM';
  }
}

/**
 * Takes `<dataDir>/plaza.lock` (pid and hostname) so that two servers never share one database.
 * Refuses with {@link StartupError} when a live process holds it: on this host a running pid, on
 * another host a lock touched within the last minute (a running server touches it every 10 s).
 * A stale lock (dead pid, or an old one of another host, as after a container was replaced) is
 * taken over. Returns a function that releases the lock.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  const me: LockContent = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const body = `${JSON.stringify(me)}\n`;
  if (heldHere.has(file)) {
    throw new StartupError(`data directory ${dataDir} is in use by another plaza-server in this process (lock file ${file})`);
  }
  for (let attempt = 0; ; attempt += 1) {
    try {
      writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if (code(error) !== 'EEXIST' || attempt >= 2) {
        throw new StartupError(`cannot create the lock file ${file} (${code(error) ?? (error as Error).message})`, { cause: error });
      }
    }
    let holder: Partial<LockContent> = {};
    let mtimeMs = 0;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      // Unreadable or half-written: treat as stale.
    }
    const sameHost = holder.hostname === me.hostname;
    const live =
      typeof holder.pid === 'number' &&
      (sameHost ? holder.pid !== process.pid && isAlive(holder.pid) : Date.now() - mtimeMs < LOCK_STALE_MS);
    if (live) {
      throw new StartupError(
        `data directory ${dataDir} is in use by another plaza-server (pid ${String(holder.pid)} on ${String(holder.hostname)}); ` +
          `stop it or pass another --data-dir (lock file ${file})`,
      );
    }
    try {
      unlinkSync(file);
    } catch (error) {
      if (code(error) !== 'ENOENT') throw new StartupError(`cannot remove the stale lock file ${file} (${code(error) ?? 'error'})`, { cause: error });
    }
  }
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // The next start will find the lock stale sooner; nothing to do here.
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  heldHere.add(file);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    clearInterval(heartbeat);
    try {
      const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
      if (holder.pid === me.pid && holder.hostname === me.hostname) unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
}
