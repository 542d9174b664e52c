// The importer needs four things from @orderflow/runtime, but its index also loads express, pg, ioredis,
// prom-client and node-pg-migrate: ~22 MB of RSS a CLI has no use for, out of a 150 MB budget. Until the
// runtime offers subpath exports, they come from its modules directly; only this file knows that layout.
export { baseEnv, ConfigError, kafkaClientEnv, loadConfig } from '@orderflow/runtime/dist/config';
export { createLogger, type Logger } from '@orderflow/runtime/dist/logger';
export { createKafka } from '@orderflow/runtime/dist/kafka/client';
