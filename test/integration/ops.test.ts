import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@plaza/protocol';
import type { Message, SessionInfo } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { freePort } from '../helpers/ports.js';
import { closeRawSockets, expectRefused, openRawSocket, request, requestOk } from '../helpers/rawSocket.js';
import { makeTempDir, removeTempDirs } from '../helpers/tempDirs.js';
import { TEST_API_KEY, TEST_API_SECRET, mintToken } from '../helpers/tokens.js';
import { waitFor } from '../helpers/waitFor.js';

/** Operating a real `plaza-server` process from outside: health, metrics, shutdown, keys, config. */

afterEach(async () => {
  closeRawSockets();
  await stopAllServers();
});

afterAll(() => removeTempDirs());

/** Status of GET `path`, or `'refused'` when nothing listens. */
async function statusOf(url: string): Promise<number | 'refused'> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'refused';
  }
}

describe('health and metrics endpoints', () => {
  it('/healthz and /readyz answer 200 and /metrics exposes plaza metrics', async () => {
    const server = await ServerProcess.start();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const socket = await openRawSocket(server.url, { token: await mintToken('metrics-user') });
    await requestOk(socket, 'session:hello', {});
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^# TYPE plaza_\w+ /m);
    expect(text).toMatch(/^plaza_connections 1$/m);
    expect(text).toMatch(/^plaza_requests_total\{[^}]*event="session:hello"/m);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM makes /readyz stop answering 200, disconnects clients, and exits with code 0', async () => {
    const server = await ServerProcess.start();
    const socket = await openRawSocket(server.url, { token: await mintToken('leaving-user') });
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason: string) => resolve(reason)));

    const statuses: (number | 'refused')[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) statuses.push(await statusOf(`${server.url}/readyz`));
    })();
    await waitFor('readyz to be polled while up', () => statuses.includes(200));
    const exit = await server.kill('SIGTERM');
    polling = false;
    await poller;

    expect(exit).toEqual({ code: 0, signal: null });
    await disconnected;
    const afterShutdown = statuses.slice(statuses.lastIndexOf(200) + 1);
    expect(afterShutdown.length, 'readyz was polled after SIGTERM').toBeGreaterThan(0);
    expect(afterShutdown.every((s) => s === 503 || s === 'refused'), `readyz after SIGTERM: ${afterShutdown.join(',')}`).toBe(true);
    expect(await statusOf(`${server.url}/healthz`)).toBe('refused');
  });

  it('SIGINT also exits with code 0', async () => {
    const server = await ServerProcess.start();
    expect(await server.kill('SIGINT')).toEqual({ code: 0, signal: null });
  });
});

describe('development keys', () => {
  it('the first start generates keys.json (mode 0600) and a second start reuses it', async () => {
    const dataDir = makeTempDir('plaza-keys-');
    const keysFile = join(dataDir, 'keys.json');
    const first = await ServerProcess.start({ dataDir, testKeys: false });
    expect(existsSync(keysFile)).toBe(true);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as { apiKey: string; apiSecret: string };
    expect(keys.apiKey).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(keys.apiSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.output, 'the generated key is printed on first start').toContain(keys.apiKey);

    const token = await mintToken('key-user', { apiKey: keys.apiKey, apiSecret: keys.apiSecret });
    (await openRawSocket(first.url, { token })).disconnect();
    // The test key pair is not configured on this server.
    expect((await expectRefused(first.url, { token: await mintToken('key-user') })).data?.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await first.kill('SIGTERM')).toEqual({ code: 0, signal: null });

    const outputBefore = first.output.length;
    await first.restart();
    expect(JSON.parse(readFileSync(keysFile, 'utf8'))).toEqual(keys);
    expect(first.output.slice(outputBefore), 'the secret is not printed again').not.toContain(keys.apiSecret);
    (await openRawSocket(first.url, { token })).disconnect();
  });

  it('PLAZA_API_KEY/PLAZA_API_SECRET replace the generated pair and no keys.json is written', async () => {
    const server = await ServerProcess.start();
    expect(existsSync(join(server.dataDir, 'keys.json'))).toBe(false);
    (await openRawSocket(server.url, { token: await mintToken('env-key-user', { apiKey: TEST_API_KEY, apiSecret: TEST_API_SECRET }) })).disconnect();
  });
});

describe('configuration precedence: flags > environment > config file > defaults', () => {
  async function maxTextBytesOf(server: ServerProcess): Promise<number> {
    const socket = await openRawSocket(server.url, { token: await mintToken('config-user') });
    const hello = await requestOk<SessionInfo>(socket, 'session:hello', {});
    socket.disconnect();
    return hello.limits.maxTextBytes;
  }

  it('the port comes from the flag over the environment over the config file', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const dir = makeTempDir('plaza-config-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ port: filePort, host: '127.0.0.1', dataDir: join(dir, 'data') }));

    const onlyFile = await ServerProcess.start({ defaultFlags: false, args: ['--config', config] });
    expect(onlyFile.port).toBe(filePort);
    await onlyFile.stop();

    const fileAndEnv = await ServerProcess.start({ defaultFlags: false, args: ['--config', config], env: { PLAZA_PORT: String(envPort) } });
    expect(fileAndEnv.port).toBe(envPort);
    await fileAndEnv.stop();

    const all = await ServerProcess.start({ defaultFlags: false, args: ['--config', config, '--port', String(flagPort)], env: { PLAZA_PORT: String(envPort) } });
    expect(all.port).toBe(flagPort);
    expect((await fetch(`http://127.0.0.1:${flagPort}/healthz`)).status).toBe(200);
  });

  it('PLAZA_CONFIG names the config file, PLAZA_DATA_DIR beats its dataDir, and --data-dir beats both', async () => {
    const dir = makeTempDir('plaza-config-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'from-file') }));

    const fromEnv = await ServerProcess.start({ defaultFlags: false, env: { PLAZA_CONFIG: config, PLAZA_DATA_DIR: join(dir, 'from-env') } });
    expect(existsSync(join(dir, 'from-env', 'plaza.db'))).toBe(true);
    expect(existsSync(join(dir, 'from-file'))).toBe(false);
    await fromEnv.stop();

    const fromFlag = await ServerProcess.start({
      defaultFlags: false,
      args: ['--data-dir', join(dir, 'from-flag')],
      env: { PLAZA_CONFIG: config, PLAZA_DATA_DIR: join(dir, 'from-env-2') },
    });
    expect(existsSync(join(dir, 'from-flag', 'plaza.db'))).toBe(true);
    expect(existsSync(join(dir, 'from-env-2'))).toBe(false);
    await fromFlag.stop();

    const fromFile = await ServerProcess.start({ defaultFlags: false, env: { PLAZA_CONFIG: config } });
    expect(existsSync(join(dir, 'from-file', 'plaza.db'))).toBe(true);
    await fromFile.stop();
  });

  it('--max-text-bytes beats the config file, and the limit applies to messages', async () => {
    const dir = makeTempDir('plaza-config-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ maxTextBytes: 100 }));

    const fileOnly = await ServerProcess.start({ args: ['--config', config] });
    expect(await maxTextBytesOf(fileOnly)).toBe(100);
    await fileOnly.stop();

    const flagged = await ServerProcess.start({ args: ['--config', config, '--max-text-bytes', '200'] });
    expect(await maxTextBytesOf(flagged)).toBe(200);
    const socket = await openRawSocket(flagged.url, { token: await mintToken('config-user') });
    const group = await requestOk<{ id: string }>(socket, 'conversation:create', { kind: 'group', title: 'Limits' });
    await requestOk<Message>(socket, 'message:send', { conversationId: group.id, clientId: 'fits', text: 'x'.repeat(200) });
    const tooBig = await request(socket, 'message:send', { conversationId: group.id, clientId: 'too-big', text: 'x'.repeat(201) });
    expect(tooBig.ok ? 'ok' : tooBig.error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });

  it('--allowed-origins and PLAZA_ALLOWED_ORIGINS decide which Origins may connect', async () => {
    const token = await mintToken('origin-user');
    const viaEnv = await ServerProcess.start({ env: { PLAZA_ALLOWED_ORIGINS: 'https://portal.city.example' } });
    (await openRawSocket(viaEnv.url, { token, headers: { Origin: 'https://portal.city.example' } })).disconnect();
    expect((await expectRefused(viaEnv.url, { token, headers: { Origin: 'https://kiosk.city.example' } })).data?.code).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    await viaEnv.stop();

    const viaFlag = await ServerProcess.start({
      args: ['--allowed-origins', 'https://kiosk.city.example'],
      env: { PLAZA_ALLOWED_ORIGINS: 'https://portal.city.example' },
    });
    (await openRawSocket(viaFlag.url, { token, headers: { Origin: 'https://kiosk.city.example' } })).disconnect();
    expect((await expectRefused(viaFlag.url, { token, headers: { Origin: 'https://portal.city.example' } })).data?.code).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
  });

  it('an invalid configuration stops the server at start with a message naming the problem', async () => {
    const dir = makeTempDir('plaza-config-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ maxTextBytes: 'lots' }));
    await expect(ServerProcess.start({ args: ['--config', config] })).rejects.toThrow(/maxTextBytes/);
    await expect(ServerProcess.start({ args: ['--no-such-flag'] })).rejects.toThrow(/no-such-flag/);
  });
});
