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
console.log(`
orderflow's stack is running:
  Kafka            ${process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'}
  schema registry  ${process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081'}
  logs             .stack/logs/   (npm run stack:status, npm run stack:down)
Next: npm test`);
