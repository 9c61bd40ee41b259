#!/usr/bin/env node
/**
 * Makes sure Debian's Chromium is installed for the e2e tests (playwright's own browser download
 * does not work without internet access, Debian's package does).
 *
 * Idempotent: does nothing when the browser is already there. Otherwise, when running as root,
 * runs `apt-get update` and `apt-get install -y chromium` non-interactively. Prints what it did;
 * exits non-zero with a clear message when it cannot install.
 *
 * The browser path can be overridden with `PLAZA_CHROMIUM` (the e2e test reads the same variable).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const chromium = process.env.PLAZA_CHROMIUM || '/usr/bin/chromium';

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(command, args) {
  process.stdout.write(`ensure-chromium: ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none' },
  });
  if (result.error) return `${command} could not start: ${result.error.message}`;
  if (result.status !== 0) return `${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`;
  return null;
}

function fail(message) {
  process.stderr.write(
    `ensure-chromium: ${message}\n` +
      `ensure-chromium: install it yourself (as root: apt-get update && apt-get install -y chromium),\n` +
      `ensure-chromium: or point PLAZA_CHROMIUM at a Chromium binary.\n`,
  );
  process.exit(1);
}

if (isExecutable(chromium)) {
  process.stdout.write(`ensure-chromium: ${chromium} is present, nothing to do\n`);
  process.exit(0);
}

if (process.env.PLAZA_CHROMIUM) fail(`PLAZA_CHROMIUM=${chromium} is not an executable file`);
if (process.platform !== 'linux') fail(`${chromium} is missing and automatic install only works on Debian/Ubuntu Linux`);
if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
  fail(`${chromium} is missing and installing it needs root`);
}

const aptGet = ['/usr/bin/apt-get', '/bin/apt-get'].find(isExecutable);
if (!aptGet) fail(`${chromium} is missing and apt-get was not found`);

process.stdout.write(`ensure-chromium: ${chromium} is missing, installing Debian's chromium package\n`);
const error =
  run(aptGet, ['update']) ??
  run(aptGet, ['install', '-y', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', 'chromium']);
if (error) fail(error);
if (!isExecutable(chromium)) fail(`apt-get finished but ${chromium} is still missing`);
process.stdout.write(`ensure-chromium: installed ${chromium}\n`);
