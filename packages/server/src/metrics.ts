import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The server's Prometheus metrics, in a registry of its own (several servers may share a process). */
export interface ServerMetrics {
  /** The registry `/metrics` renders. */
  registry: Registry;
  /** Requests by event name and outcome (`ok` or an error code). */
  requests: Counter<'event' | 'outcome'>;
  /** Request handling time by event name. */
  requestSeconds: Histogram<'event'>;
  /** Connected sockets. */
  connections: Gauge;
  /** Refused connections by reason (an error code). */
  refusals: Counter<'reason'>;
  /** Messages stored (duplicates not counted). */
  messages: Counter;
}

/** Creates a registry with default process metrics and Plaza's own. */
export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plaza_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'plaza_requests_total', help: 'Socket requests by event and outcome', labelNames: ['event', 'outcome'], registers }),
    requestSeconds: new Histogram({
      name: 'plaza_request_duration_seconds',
      help: 'Socket request handling time',
      labelNames: ['event'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    connections: new Gauge({ name: 'plaza_connections', help: 'Connected sockets', registers }),
    refusals: new Counter({ name: 'plaza_connection_refusals_total', help: 'Refused connections by reason', labelNames: ['reason'], registers }),
    messages: new Counter({ name: 'plaza_messages_total', help: 'Messages stored', registers }),
  };
}
