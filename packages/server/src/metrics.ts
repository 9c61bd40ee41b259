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
  /** Live mediasoup objects by type (`worker`, `router`, `transport`, `producer`, `consumer`, `data_producer`, `data_consumer`). */
  mediaObjects: Gauge<'type'>;
  /** Calls in progress. */
  callsActive: Gauge;
  /** Participants in calls now (those waiting to be resumed included). */
  callParticipants: Gauge;
  /** mediasoup workers that died (and were replaced). */
  mediaWorkerDeaths: Counter;
  /** Webhook delivery attempts by outcome: `delivered`, `failed` (retry scheduled), `dead` (attempts exhausted). */
  webhookDeliveries: Counter<'outcome'>;
  /** Webhook deliveries waiting for their next attempt. */
  webhookPending: Gauge;
}

/** The `type` label values of `plaza_media_objects`. */
export const MEDIA_OBJECT_TYPES = ['worker', 'router', 'transport', 'producer', 'consumer', 'data_producer', 'data_consumer'] as const;
/** One of {@link MEDIA_OBJECT_TYPES}. */
export type MediaObjectType = (typeof MEDIA_OBJECT_TYPES)[number];

/** Creates a registry with default process metrics and Plaza's own. */
export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  // Event-loop lag sampled every 100 ms instead of prom-client's 10 ms: an idle server then wakes
  // ten times less often (it showed as CPU per forwarded stream in bench:media), and the lag
  // histogram still catches every stall that matters.
  collectDefaultMetrics({ register: registry, prefix: 'plaza_', eventLoopMonitoringPrecision: 100 });
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
    mediaObjects: mediaObjectsGauge(registers),
    callsActive: new Gauge({ name: 'plaza_calls_active', help: 'Calls in progress', registers }),
    callParticipants: new Gauge({ name: 'plaza_call_participants', help: 'Participants in calls', registers }),
    mediaWorkerDeaths: new Counter({ name: 'plaza_media_worker_deaths_total', help: 'mediasoup workers that died', registers }),
    webhookDeliveries: new Counter({ name: 'plaza_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers }),
    webhookPending: new Gauge({ name: 'plaza_webhook_deliveries_pending', help: 'Webhook deliveries waiting for an attempt', registers }),
  };
}

function mediaObjectsGauge(registers: Registry[]): Gauge<'type'> {
  const gauge = new Gauge({ name: 'plaza_media_objects', help: 'Live mediasoup objects by type', labelNames: ['type'], registers });
  // Every type is reported from the start (as 0), so a test can compare before and after a call.
  for (const type of MEDIA_OBJECT_TYPES) gauge.set({ type }, 0);
  return gauge;
}
