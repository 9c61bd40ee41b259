import { spawn } from 'node:child_process';

const MARK = 'PLAZA_BENCH_MEDIA_NETNS';

/** Whether this process already runs in the loopback-only namespace set up by {@link reexecIsolated}. */
export function isIsolated(): boolean {
  return process.env[MARK] === '1';
}

/**
 * Runs `node --import tsx <script> <args>` again inside a new network namespace that has nothing but
 * loopback (`unshare -n`, needs root), so that WebRTC media can only take 127.0.0.1 — WebRTC clients
 * otherwise gather and may use the machine's other addresses. Resolves with the exit code.
 */
export function reexecIsolated(script: string, args: readonly string[]): Promise<number> {
  if (process.getuid?.() !== 0) {
    throw new Error('bench:media runs its media inside a loopback-only network namespace (unshare -n), which needs root');
  }
  const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '--import', 'tsx', script, ...args], {
    stdio: 'inherit',
    env: { ...process.env, [MARK]: '1' },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}
