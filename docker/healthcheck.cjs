// Container health probe (the slim Node image has no curl): GET <path> on 127.0.0.1:<port>, exit 0 on a 2xx.
//   node /app/docker/healthcheck.cjs [path=/healthz] [port=$PORT, else the default port of $SERVICE]
// DEFAULT_PORTS mirrors SERVICE_PORTS in infra/stack/src/services.ts; tests/deploy checks that they agree.
const DEFAULT_PORTS = {
  orders: 3001,
  inventory: 3002,
  payments: 3003,
  refunds: 3004,
  notifier: 3005,
  analytics: 3006,
};

function probe(argv, env) {
  const [path = '/healthz', portArg] = argv;
  const port = portArg || env.PORT || DEFAULT_PORTS[env.SERVICE ?? ''];
  if (!port) {
    console.error('healthcheck: no port (pass one, or set PORT or SERVICE)');
    process.exit(2);
  }
  fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2500) }).then(
    (response) => process.exit(response.ok ? 0 : 1),
    (error) => {
      console.error(`healthcheck: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

if (require.main === module) probe(process.argv.slice(2), process.env);

module.exports = { DEFAULT_PORTS };
