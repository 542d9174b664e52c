import { baseEnv, kafkaClientEnv, loadConfig } from './runtime-parts';

/** The part of the runtime's environment an import needs: Kafka, the registry, the topic prefix. */
export const importerEnv = {
  NODE_ENV: baseEnv.NODE_ENV,
  // No default: unset means "quiet CLI" (warnings and errors only), set means the operator asked.
  LOG_LEVEL: baseEnv.LOG_LEVEL.unwrap().optional(),
  ...kafkaClientEnv,
};

export type ImporterConfig = ReturnType<typeof loadImporterConfig>;

export function loadImporterConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(importerEnv, env);
}
