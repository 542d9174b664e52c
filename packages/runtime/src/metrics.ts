import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per service process. Everything the runtime measures is created here so that a service
 * and its tests see the same names.
 */
export interface RuntimeMetrics {
  registry: Registry;
  eventsProcessed: Counter<'topic'>;
  eventsDuplicate: Counter<'topic'>;
  eventsFailed: Counter<'topic' | 'reason'>;
  eventsDeadLettered: Counter<'topic'>;
  batchRetries: Counter<'topic'>;
  consumerRecreations: Counter;
  batchDuration: Histogram<'topic'>;
  consumerLag: Gauge<'topic' | 'partition'>;
  outboxPending: Gauge;
  outboxPublished: Counter<'topic'>;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
}

export function createMetrics(service: string, options: { defaultMetrics?: boolean } = {}): RuntimeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    eventsProcessed: new Counter({
      name: 'orderflow_events_processed_total',
      help: 'Events applied by this service (first delivery only)',
      labelNames: ['topic'],
      registers,
    }),
    eventsDuplicate: new Counter({
      name: 'orderflow_events_duplicate_total',
      help: 'Redelivered events recognised by the inbox and skipped',
      labelNames: ['topic'],
      registers,
    }),
    eventsFailed: new Counter({
      name: 'orderflow_events_failed_total',
      help: 'Event processing failures, transient (retried) or permanent (dead-lettered)',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'orderflow_events_dead_lettered_total',
      help: 'Messages sent to this service dead-letter topic',
      labelNames: ['topic'],
      registers,
    }),
    batchRetries: new Counter({
      name: 'orderflow_batch_retries_total',
      help: 'Batches retried after a transient failure',
      labelNames: ['topic'],
      registers,
    }),
    consumerRecreations: new Counter({
      name: 'orderflow_consumer_recreations_total',
      help: 'Kafka consumers replaced by the watchdog after a crash kafkajs did not recover from, or a stall',
      registers,
    }),
    batchDuration: new Histogram({
      name: 'orderflow_batch_duration_seconds',
      help: 'Time to process one consumer batch, transaction included',
      labelNames: ['topic'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'orderflow_consumer_lag',
      help: 'Messages between the last processed offset and the partition high watermark',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    outboxPending: new Gauge({
      name: 'orderflow_outbox_pending',
      help: 'Outbox rows written but not yet published',
      registers,
    }),
    outboxPublished: new Counter({
      name: 'orderflow_outbox_published_total',
      help: 'Outbox rows published to Kafka',
      labelNames: ['topic'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'orderflow_http_requests_total',
      help: 'HTTP requests served',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'orderflow_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
  };
}
