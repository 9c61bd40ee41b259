import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@plaza/protocol';
import type { Message, SessionInfo } from '@plaza/protocol';
import { ServerProcess, stopAllServers } from '../helpers/ServerProcess.js';
import { freePort } from '../helpers/ports.js';
import { closeRawSockets, expectRefused, openRawSocket, request, requestOk } from '../helpers/rawSocket.js';
import { makeTempDir, removeTempDirs } from '../helpers/tempDirs.js';
import { mintToken } from '../helpers/tokens.js';
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

describe('health, metrics and graceful shutdown', () => {
  it('/healthz, /readyz and /metrics answer; SIGTERM then makes /readyz stop answering 200, disconnects clients and exits 0', async () => {
    const server = await ServerProcess.start();
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    // With PLAZA_API_KEY/PLAZA_API_SECRET set, no development key file is written.
    expect(existsSync(join(server.dataDir, 'keys.json'))).toBe(false);

    const socket = await openRawSocket(server.url, { token: await mintToken('metrics-user') });
    await requestOk(socket, 'session:hello', {});
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^# TYPE plaza_\w+ /m);
    expect(text).toMatch(/^plaza_connections 1$/m);
    expect(text).toMatch(/^plaza_requests_total\{[^}]*event="session:hello"/m);

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
    expect(await first.kill('SIGINT'), 'SIGINT also shuts down cleanly').toEqual({ code: 0, signal: null });

    const outputBefore = first.output.length;
    await first.restart();
    expect(JSON.parse(readFileSync(keysFile, 'utf8'))).toEqual(keys);
    expect(first.output.slice(outputBefore), 'the secret is not printed again').not.toContain(keys.apiSecret);
    (await openRawSocket(first.url, { token })).disconnect();
  });
});

describe('configuration precedence: flags > environment > config file > defaults', () => {
  async function maxTextBytesOf(server: ServerProcess): Promise<number> {
    const socket = await openRawSocket(server.url, { token: await mintToken('config-user') });
    const hello = await requestOk<SessionInfo>(socket, 'session:hello', {});
    socket.disconnect();
    return hello.limits.maxTextBytes;
  }

  async function originCode(server: ServerProcess, origin: string): Promise<string> {
    try {
      (await openRawSocket(server.url, { token: await mintToken('origin-user'), headers: { Origin: origin } })).disconnect();
      return 'ACCEPTED';
    } catch (error) {
      return (error as { data?: { code?: string } }).data?.code ?? String(error);
    }
  }

  // Three runs, each adding a layer on top of the same config file; every run checks port, data
  // dir, text limit and allowed origins, so each layer is seen to win over the ones below it.
  it('each setting comes from the flag over the environment over the config file', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const dir = makeTempDir('plaza-config-');
    const config = join(dir, 'config.json');
    const portals = { file: 'https://file.city.example', env: 'https://env.city.example', flag: 'https://flag.city.example' };
    writeFileSync(
      config,
      JSON.stringify({ port: filePort, host: '127.0.0.1', dataDir: join(dir, 'from-file'), maxTextBytes: 100, allowedOrigins: [portals.file] }),
    );
    const envLayer = { PLAZA_PORT: String(envPort), PLAZA_DATA_DIR: join(dir, 'from-env'), PLAZA_ALLOWED_ORIGINS: portals.env };

    // 1. The config file alone (named by --config).
    const fileOnly = await ServerProcess.start({ defaultFlags: false, args: ['--config', config] });
    expect(fileOnly.port).toBe(filePort);
    expect(existsSync(join(dir, 'from-file', 'plaza.db'))).toBe(true);
    expect(await maxTextBytesOf(fileOnly)).toBe(100);
    expect(await originCode(fileOnly, portals.file)).toBe('ACCEPTED');
    expect(await originCode(fileOnly, portals.env)).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    await fileOnly.stop();

    // 2. The environment over the file (named by PLAZA_CONFIG this time).
    const withEnv = await ServerProcess.start({ defaultFlags: false, env: { PLAZA_CONFIG: config, ...envLayer } });
    expect(withEnv.port).toBe(envPort);
    expect(existsSync(join(dir, 'from-env', 'plaza.db'))).toBe(true);
    expect(await maxTextBytesOf(withEnv), 'settings the environment leaves out still come from the file').toBe(100);
    expect(await originCode(withEnv, portals.env)).toBe('ACCEPTED');
    expect(await originCode(withEnv, portals.file)).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);
    await withEnv.stop();

    // 3. Flags over both.
    const withFlags = await ServerProcess.start({
      defaultFlags: false,
      args: ['--config', config, '--port', String(flagPort), '--data-dir', join(dir, 'from-flag'), '--max-text-bytes', '200', '--allowed-origins', portals.flag],
      env: envLayer,
    });
    expect(withFlags.port).toBe(flagPort);
    expect(existsSync(join(dir, 'from-flag', 'plaza.db'))).toBe(true);
    expect(await maxTextBytesOf(withFlags)).toBe(200);
    expect(await originCode(withFlags, portals.flag)).toBe('ACCEPTED');
    expect(await originCode(withFlags, portals.env)).toBe(ErrorCode.ORIGIN_NOT_ALLOWED);

    // The limit the server announces is the one it enforces.
    const socket = await openRawSocket(withFlags.url, { token: await mintToken('config-user') });
    const group = await requestOk<{ id: string }>(socket, 'conversation:create', { kind: 'group', title: 'Limits' });
    await requestOk<Message>(socket, 'message:send', { conversationId: group.id, clientId: 'fits', text: 'x'.repeat(200) });
    const tooBig = await request(socket, 'message:send', { conversationId: group.id, clientId: 'too-big', text: 'x'.repeat(201) });
    expect(tooBig.ok ? 'ok' : tooBig.error.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });

  it('an invalid configuration stops the server at start with a message naming the problem', async () => {
    const dir = makeTempDir('plaza-config-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ maxTextBytes: 'lots' }));
    await Promise.all([
      expect(ServerProcess.start({ args: ['--config', config] })).rejects.toThrow(/maxTextBytes/),
      expect(ServerProcess.start({ args: ['--no-such-flag'] })).rejects.toThrow(/no-such-flag/),
    ]);
  });
});
