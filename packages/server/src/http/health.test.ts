import { fastify } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHealthRoutes } from './health.js';
import { startTestServer } from '../testing/harness.js';
import type { TestServer } from '../testing/harness.js';

describe('HTTP health routes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('healthz and readyz answer 200 while serving', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it('metrics are Prometheus text with Plaza metrics', async () => {
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('plaza_connections');
    expect(text).toContain('plaza_requests_total');
  });

  it('readyz answers 503 while the server is closing', async () => {
    const app = fastify();
    registerHealthRoutes(app, { store: t.server.store, registry: t.server.metrics.registry, isClosing: () => true });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await app.close();
  });

  it('close() is idempotent and refuses connections afterwards', async () => {
    const other = await startTestServer();
    const first = other.server.close();
    expect(other.server.close()).toBe(first);
    await first;
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
    await other.close();
  });
});
