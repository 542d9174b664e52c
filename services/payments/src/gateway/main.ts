// The simulated gateway on its own, for running the payments service with GATEWAY_EMBEDDED=false the way
// it would talk to a real provider: `node dist/gateway/main.js`.
import { ConfigError, createLogger } from '@orderflow/runtime';
import { loadGatewayConfig, type GatewayConfig } from './gateway.config';
import { SimulatedGateway } from './simulated-gateway';

let config: GatewayConfig;
try {
  config = loadGatewayConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`gateway: ${error.message}\n`);
  process.exit(1);
}

const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
const gateway = new SimulatedGateway({
  secret: config.WEBHOOK_SECRET,
  delayMs: config.PAYMENT_DELAY_MS,
  successRate: config.PAYMENT_SUCCESS_RATE,
  seed: config.PAYMENT_SEED,
  logger,
});

const shutdown = (): void => {
  gateway.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    },
  );
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

gateway.start({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
});
