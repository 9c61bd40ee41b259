#!/usr/bin/env node
/**
 * Runs a command inside a private network namespace that has nothing but loopback, so WebRTC media
 * in tests and benchmarks can only take 127.0.0.1 (WebRTC clients gather host candidates on every
 * interface; see docs and ENVIRONMENT notes on media tests).
 *
 *   node scripts/isolated.mjs <command> [args…]
 *   node scripts/isolated.mjs --check          # prints whether isolation is available, exits 0
 *
 * What it does, in order (each check is cheap and the whole thing is idempotent):
 * 1. Already isolated (the process sees only loopback interfaces, e.g. when nested): runs the
 *    command directly.
 * 2. Root, `unshare` and `ip` on the PATH, and a probe `unshare -n ip link set lo up` succeeds:
 *    runs `unshare -n sh -c 'ip link set lo up && exec "$@"' sh <command> [args…]`.
 * 3. Otherwise: prints one warning line and runs the command directly.
 *
 * Set `PLAZA_REQUIRE_ISOLATION=1` to fail instead of falling back (for benchmarks whose figures
 * would be wrong off loopback). The command's exit code is passed through; SIGTERM/SIGHUP are
 * forwarded to it (Ctrl+C reaches it directly). Inside, `PLAZA_ISOLATED=1` is set so tests can tell.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { delimiter, join } from 'node:path';

const PREFIX = 'isolated:';

/** The first executable `name` on the PATH (plus the sbin dirs, which a non-login PATH may lack). */
function which(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

/** Whether this process already sees nothing but loopback interfaces. */
function onlyLoopback() {
  const interfaces = networkInterfaces();
  return Object.entries(interfaces).every(([, addresses]) => (addresses ?? []).every((a) => a.internal));
}

/** Why isolation is not possible, or null when it is; plus the tools to use. */
function probe() {
  if (process.platform !== 'linux') return { reason: 'network namespaces need Linux' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { reason: 'unshare -n needs root' };
  const unshare = which('unshare');
  const ip = which('ip');
  if (!unshare) return { reason: '`unshare` (util-linux) is not installed' };
  if (!ip) return { reason: '`ip` (iproute2) is not installed' };
  const check = spawnSync(unshare, ['-n', ip, 'link', 'set', 'lo', 'up'], { stdio: 'pipe', timeout: 5000 });
  if (check.error || check.status !== 0) {
    const detail = check.error?.message ?? (check.stderr?.toString().trim() || `exit ${check.status ?? check.signal}`);
    return { reason: `unshare -n failed (${detail.split('\n')[0]})` };
  }
  return { reason: null, unshare, ip };
}

/** Runs `command args` (argv form), forwards signals, exits with its status. */
function run(command, args, env) {
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (signal) => () => child.kill(signal);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, forward(signal));
  // Ctrl+C reaches the whole foreground process group, the command included: wait for it to end
  // rather than sending it a second SIGINT (vitest takes a second one as "exit now").
  process.on('SIGINT', () => {});
  child.on('error', (error) => {
    process.stderr.write(`${PREFIX} could not start ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die the same way, so callers see the signal (after removing our own forwarders).
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

const argv = process.argv.slice(2);

if (argv[0] === '--check') {
  if (onlyLoopback()) process.stdout.write(`${PREFIX} already in a loopback-only network namespace\n`);
  else {
    const { reason } = probe();
    process.stdout.write(reason ? `${PREFIX} not available: ${reason}\n` : `${PREFIX} available (unshare -n)\n`);
  }
  process.exit(0);
}

if (argv.length === 0) {
  process.stderr.write(`usage: node scripts/isolated.mjs <command> [args…]   (or --check)\n`);
  process.exit(2);
}

const env = { ...process.env, PLAZA_ISOLATED: '1' };
const [command, ...args] = argv;

if (onlyLoopback()) {
  run(command, args, env);
} else {
  const { reason, unshare, ip } = probe();
  if (!reason) {
    run(unshare, ['-n', 'sh', '-c', `'${ip}' link set lo up && exec "$@"`, 'sh', command, ...args], env);
  } else if (process.env.PLAZA_REQUIRE_ISOLATION === '1') {
    process.stderr.write(`${PREFIX} cannot isolate the network (${reason}) and PLAZA_REQUIRE_ISOLATION=1\n`);
    process.exit(1);
  } else {
    process.stderr.write(`${PREFIX} warning: ${reason}; running without a private network namespace, so media may use non-loopback addresses\n`);
    delete env.PLAZA_ISOLATED;
    run(command, args, env);
  }
}
