import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs = new Set<string>();

/** Creates a fresh temp directory that {@link removeTempDirs} (and process exit) deletes. */
export function makeTempDir(prefix = 'plaza-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Deletes every temp directory made by {@link makeTempDir} so far. */
export function removeTempDirs(): void {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  }
}

process.once('exit', removeTempDirs);
