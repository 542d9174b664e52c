import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type RetryOptions, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { ConfigError } from '../config';

export interface KafkaConnectionConfig {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID?: string | undefined;
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_CERT_FILE?: string | undefined;
  KAFKA_SSL_KEY_FILE?: string | undefined;
  KAFKA_SSL_REJECT_UNAUTHORIZED?: boolean | undefined;
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function readPem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([{ variable, problem: `cannot read ${file} (${reason})` }]);
  }
}

/**
 * The `ssl` option of kafkajs: off, Node's defaults (public CAs), or a private CA, client certificate
 * and key for mutual TLS. The files are read once, here; an unreadable one is a ConfigError naming it.
 */
export function kafkaTls(config: KafkaConnectionConfig): boolean | ConnectionOptions {
  if (!config.KAFKA_SSL) return false;
  const tls: ConnectionOptions = {};
  if (config.KAFKA_SSL_CA_FILE) tls.ca = [readPem('KAFKA_SSL_CA_FILE', config.KAFKA_SSL_CA_FILE)];
  if (config.KAFKA_SSL_CERT_FILE) tls.cert = readPem('KAFKA_SSL_CERT_FILE', config.KAFKA_SSL_CERT_FILE);
  if (config.KAFKA_SSL_KEY_FILE) tls.key = readPem('KAFKA_SSL_KEY_FILE', config.KAFKA_SSL_KEY_FILE);
  if (config.KAFKA_SSL_REJECT_UNAUTHORIZED === false) tls.rejectUnauthorized = false;
  return Object.keys(tls).length === 0 ? true : tls;
}

/**
 * kafkajs with its logs routed into pino and security settings (TLS, SASL) taken from the environment.
 * `tuning.retry` replaces the default retry policy (a CLI or a test that wants to fail fast).
 */
export function createKafka(
  config: KafkaConnectionConfig,
  clientId: string,
  logger: Logger,
  tuning: { retry?: RetryOptions } = {},
): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const kafkaConfig: KafkaConfig = {
    clientId: config.KAFKA_CLIENT_ID ?? clientId,
    brokers: config.KAFKA_BROKERS,
    ssl: kafkaTls(config),
    retry: tuning.retry ?? { initialRetryTime: 200, retries: 8 },
    // kafkajs is chatty at INFO (every join, every commit); its warnings and errors are what matter.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, timestamp: _timestamp, logger: _logger, ...rest } = entry;
        log[LEVELS[level] ?? 'info'](rest, message);
      },
  };
  if (config.KAFKA_SASL_MECHANISM) {
    kafkaConfig.sasl = {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME ?? '',
      password: config.KAFKA_SASL_PASSWORD ?? '',
    } as SASLOptions;
  }
  return new Kafka(kafkaConfig);
}
