import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ChatStore } from '../storage/ChatStore.js';

/** What the health routes look at. */
export interface HealthDeps {
  store: ChatStore;
  registry: Registry;
  /** Whether the server is shutting down (then `/readyz` answers 503). */
  isClosing(): boolean;
}

/**
 * `GET /healthz` → 200 `{ok:true}` while the process serves HTTP;
 * `GET /readyz` → 200 when the database answers and the server is not shutting down, else 503;
 * `GET /metrics` → Prometheus text.
 */
export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    if (deps.isClosing()) return reply.code(503).send({ ok: false, reason: 'shutting down' });
    let dbOk = false;
    try {
      dbOk = await deps.store.ping();
    } catch {
      dbOk = false;
    }
    if (!dbOk) return reply.code(503).send({ ok: false, reason: 'database not answering' });
    return { ok: true };
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.registry.metrics();
    return reply.header('content-type', deps.registry.contentType).send(text);
  });
}
