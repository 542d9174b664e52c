// Each container's own config module: the zod shape it reads and the loader its main.ts calls.
import { loadAnalyticsConfig, analyticsEnv } from '@orderflow/analytics/dist/config';
import { importerEnv, loadImporterConfig } from '@orderflow/importer/dist/config';
import { inventoryEnv, loadInventoryConfig } from '@orderflow/inventory/dist/config';
import { loadNotifierConfig, notifierEnv } from '@orderflow/notifier/dist/config';
import { loadOrdersConfig, ordersEnv } from '@orderflow/orders/dist/config';
import { gatewayEnv, loadGatewayConfig } from '@orderflow/payments/dist/gateway/gateway.config';
import { loadPaymentsConfig, paymentsEnv } from '@orderflow/payments/dist/config';
import { loadRefundsConfig, refundsEnv } from '@orderflow/refunds/dist/config';
import { baseEnv, loadConfig } from '@orderflow/runtime';
import { SERVICE_PORTS, stackEnv, type ServiceName } from '@orderflow/stack';

export type Env = Record<string, string | undefined>;

export interface ConfigModule {
  /** The variables the module reads; anything else in the container's environment is a typo or dead. */
  variables: readonly string[];
  load: (env: Env) => Record<string, unknown>;
  /** The variable holding the port the container listens on. */
  portVariable?: string;
  /** The variable holding the address it binds. */
  hostVariable?: string;
}

const keys = (shape: object): string[] => Object.keys(shape);

/** The long-running services, by compose service name (= SERVICE_PORTS key = services/<name>). */
export const serviceConfigs: Record<ServiceName, ConfigModule> = {
  orders: { variables: keys(ordersEnv), load: loadOrdersConfig, portVariable: 'PORT', hostVariable: 'HOST' },
  inventory: {
    variables: keys(inventoryEnv),
    load: loadInventoryConfig,
    portVariable: 'PORT',
    hostVariable: 'HOST',
  },
  payments: {
    variables: keys(paymentsEnv),
    load: loadPaymentsConfig,
    portVariable: 'PORT',
    hostVariable: 'HOST',
  },
  refunds: {
    variables: keys(refundsEnv),
    load: loadRefundsConfig,
    portVariable: 'PORT',
    hostVariable: 'HOST',
  },
  notifier: {
    variables: keys(notifierEnv),
    load: loadNotifierConfig,
    portVariable: 'PORT',
    hostVariable: 'HOST',
  },
  analytics: {
    variables: keys(analyticsEnv),
    load: loadAnalyticsConfig,
    portVariable: 'PORT',
    hostVariable: 'HOST',
  },
};

/**
 * What the init container's CLIs read (infra/stack stackEnv and roles, packages/contracts cli.ts): the
 * admin DATABASE_URL and the passwords `roles` gives the services' roles.
 */
export const initVariables = [
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'DATABASE_URL',
  ...Object.keys(SERVICE_PORTS).map((name) => `${name.toUpperCase()}_DB_PASSWORD`),
];

/** The other containers built from the Dockerfile, keyed by compose service name. */
export const toolConfigs: Record<string, ConfigModule> = {
  gateway: {
    variables: keys(gatewayEnv),
    load: loadGatewayConfig,
    portVariable: 'GATEWAY_PORT',
    hostVariable: 'GATEWAY_HOST',
  },
  importer: { variables: keys(importerEnv), load: loadImporterConfig },
  init: {
    variables: initVariables,
    load: (env) => {
      // The same validation the services apply to these two, then what the stack CLI makes of them.
      const parsed = loadConfig(
        {
          KAFKA_BROKERS: baseEnv.KAFKA_BROKERS,
          SCHEMA_REGISTRY_URL: baseEnv.SCHEMA_REGISTRY_URL,
          DATABASE_URL: baseEnv.DATABASE_URL,
        },
        env,
      );
      return { ...parsed, stack: stackEnv(env) };
    },
  },
};

export const allConfigs: Record<string, ConfigModule> = { ...serviceConfigs, ...toolConfigs };

export { SERVICE_PORTS, type ServiceName };
