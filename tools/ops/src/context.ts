import { EventSerde } from '@orderflow/contracts';
import { createKafka, createLogger, type Logger } from '@orderflow/runtime';
import type { Admin, Kafka } from 'kafkajs';
import type { OpsConfig } from './config';

/** What every command works with: one Kafka client and admin, the serde, the prefix. */
export interface OpsContext {
  config: OpsConfig;
  kafka: Kafka;
  admin: Admin;
  serde: EventSerde;
  logger: Logger;
  /** TOPIC_PREFIX: physical topic = prefix + logical name. */
  prefix: string;
}

export async function openContext(
  config: OpsConfig,
  options: { logDestination?: NodeJS.WritableStream } = {},
): Promise<OpsContext> {
  const logger = createLogger({
    service: 'ops',
    level: config.LOG_LEVEL,
    destination: options.logDestination ?? process.stderr,
  });
  const kafka = createKafka(config, 'orderflow-ops', logger);
  const admin = kafka.admin();
  await connectWithin(admin, config.OPS_CONNECT_TIMEOUT_MS, config.KAFKA_BROKERS);
  return {
    config,
    kafka,
    admin,
    serde: new EventSerde({ registryUrl: config.SCHEMA_REGISTRY_URL }),
    logger,
    prefix: config.TOPIC_PREFIX,
  };
}

/** kafkajs keeps retrying an unreachable broker for half a minute; a person at a terminal should not wait. */
async function connectWithin(admin: Admin, timeoutMs: number, brokers: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs} ms (KAFKA_BROKERS)`),
        ),
      timeoutMs,
    );
  });
  const connecting = admin.connect();
  try {
    await Promise.race([connecting, timeout]);
  } catch (error) {
    connecting.catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

export async function closeContext(ctx: OpsContext): Promise<void> {
  await ctx.admin.disconnect();
}

/** The physical topic for a name given on the command line: prefixed, unless it already is. */
export function physicalTopic(ctx: Pick<OpsContext, 'prefix'>, name: string): string {
  if (!ctx.prefix || name.startsWith(ctx.prefix)) return name;
  return `${ctx.prefix}${name}`;
}

/** The name shown to people: without TOPIC_PREFIX. */
export function logicalTopic(ctx: Pick<OpsContext, 'prefix'>, physical: string): string {
  return ctx.prefix && physical.startsWith(ctx.prefix) ? physical.slice(ctx.prefix.length) : physical;
}
