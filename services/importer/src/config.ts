import { baseEnv, loadConfig } from './runtime-parts';

/** The part of the runtime's environment an import needs: Kafka, the registry, the topic prefix. */
export const importerEnv = {
  NODE_ENV: baseEnv.NODE_ENV,
  // No default: unset means "quiet CLI" (warnings and errors only), set means the operator asked.
  LOG_LEVEL: baseEnv.LOG_LEVEL.unwrap().optional(),
  KAFKA_BROKERS: baseEnv.KAFKA_BROKERS,
  KAFKA_CLIENT_ID: baseEnv.KAFKA_CLIENT_ID,
  KAFKA_SSL: baseEnv.KAFKA_SSL,
  KAFKA_SASL_MECHANISM: baseEnv.KAFKA_SASL_MECHANISM,
  KAFKA_SASL_USERNAME: baseEnv.KAFKA_SASL_USERNAME,
  KAFKA_SASL_PASSWORD: baseEnv.KAFKA_SASL_PASSWORD,
  SCHEMA_REGISTRY_URL: baseEnv.SCHEMA_REGISTRY_URL,
  TOPIC_PREFIX: baseEnv.TOPIC_PREFIX,
};

export type ImporterConfig = ReturnType<typeof loadImporterConfig>;

export function loadImporterConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(importerEnv, env);
}
