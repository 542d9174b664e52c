// `npm run setup`: install (when needed), build, start the local stack, create topics, register schemas,
// and say what runs where. Safe to run again: each step skips what is already done.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

function step(title, command, args) {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(
      `\nsetup: "${title}" failed (exit ${result.status ?? result.signal}); see the output above.`,
    );
    process.exit(1);
  }
}

const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs) {
  // npm 11 refuses a lockfile that lacks other platforms' optional binaries (npm/cli#8669), which is
  // what a registry mirror serving only this platform's packages produces; npm 10's ci installs the
  // same lockfile exactly.
  step('installing dependencies (npm ci)', 'npx', ['--yes', 'npm@10', 'ci', '--no-audit', '--no-fund']);
}
step('building', 'npx', ['turbo', 'run', 'build']);
step('starting the local stack', 'node', ['infra/stack/dist/cli.js', 'up']);
step('creating topics', 'node', ['infra/stack/dist/cli.js', 'topics']);
step('registering schemas', 'node', ['packages/contracts/dist/cli.js', 'register']);

step('starting the services (orders, inventory, payments, refunds, notifier, analytics)', 'node', [
  'infra/stack/dist/cli.js',
  'services',
  'up',
]);
step('importing sample stock (samples/stock.csv)', 'node', [
  'services/importer/dist/cli.js',
  'stock',
  'samples/stock.csv',
  '--currency',
  'EUR',
]);
// The sample orders include a few bad rows on purpose: the importer reports them and exits 2.
console.log('\n▶ importing sample orders (samples/orders.csv)');
const imported = spawnSync('node', ['services/importer/dist/cli.js', 'orders', 'samples/orders.csv'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (imported.status !== 0 && imported.status !== 2) process.exit(1);

// Wait for every imported order to finish, then show how they ended.
const csv = fs.readFileSync(path.join(root, 'samples', 'orders.csv'), 'utf8');
const ids = [
  ...new Set(
    csv
      .split(/\r?\n/)
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split(',')[0]),
  ),
];
const ordersUrl = `http://127.0.0.1:${process.env.ORDERS_PORT ?? 3001}`;
const outcomes = new Map();
for (const id of ids) {
  const response = await fetch(`${ordersUrl}/orders/${id}?wait=final&timeout_ms=20000`);
  const order = response.status === 404 ? undefined : await response.json();
  const key = !order
    ? 'not imported (bad rows)'
    : order.reason
      ? `${order.status} (${order.reason})`
      : order.status;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}
console.log('\norders in samples/orders.csv, by outcome:');
for (const [outcome, count] of outcomes) console.log(`  ${outcome.padEnd(26)} ${count}`);
console.log(`
orderflow is running:
  Kafka            ${process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'}
  schema registry  ${process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081'}
  orders           ${ordersUrl}/orders?limit=5      (GET /orders/{id} shows one order's timeline)
  inventory        http://127.0.0.1:3002/stock?below=5
  payments         http://127.0.0.1:3003/payments/{order_id}
  refunds          http://127.0.0.1:3004/orders/{order_id}/refunds   (npm run refunds -- request ...)
  notifier         http://127.0.0.1:3005/notifications?limit=5
  analytics        http://127.0.0.1:3006/kpis?from=2026-11-01&to=2026-11-30&currency=EUR
  logs             .stack/logs/   (npm run services:status, npm run services:down, npm run stack:down)
Next: npm test`);
