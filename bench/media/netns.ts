import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

/** Whether this process sees nothing but loopback interfaces (it runs in a loopback-only namespace). */
export function isIsolated(): boolean {
  return Object.values(networkInterfaces()).every((addresses) => (addresses ?? []).every((a) => a.internal));
}

/**
 * Runs `node --import tsx <script> <args>` again through `scripts/isolated.mjs`, which starts it in a
 * new network namespace with nothing but loopback (`unshare -n`, needs root), so that WebRTC media can
 * only take 127.0.0.1 — WebRTC clients otherwise gather and may use the machine's other addresses.
 * `PLAZA_REQUIRE_ISOLATION=1` makes it fail rather than run unisolated. Resolves with the exit code.
 */
export function reexecIsolated(root: string, script: string, args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [join(root, 'scripts/isolated.mjs'), process.execPath, '--import', 'tsx', script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, PLAZA_REQUIRE_ISOLATION: '1' },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}
