import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaConnectionConfig {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID?: string | undefined;
  KAFKA_SSL: boolean;
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

/** kafkajs with its logs routed into pino and security settings taken from the environment. */
export function createKafka(config: KafkaConnectionConfig, clientId: string, logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const kafkaConfig: KafkaConfig = {
    clientId: config.KAFKA_CLIENT_ID ?? clientId,
    brokers: config.KAFKA_BROKERS,
    ssl: config.KAFKA_SSL,
    retry: { initialRetryTime: 200, retries: 8 },
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
