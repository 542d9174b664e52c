// `npm run demo [-- options]`: install (when needed), build, then run the demo (tools/demo): the stack,
// topics, schemas, services, about 1,000 generated orders through the saga, refunds, KPIs and the
// leaderboard. `npm run demo -- --help` lists the options.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const help = process.argv.includes('--help') || process.argv.includes('-h');

function step(title, command, args) {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(
      `\ndemo: "${title}" failed (exit ${result.status ?? result.signal}); see the output above.`,
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
const demo = path.join(root, 'tools', 'demo', 'dist', 'cli', 'demo.js');
if (!help || !fs.existsSync(demo))
  step('building (turbo run build)', 'npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);

// In this process rather than a child: Ctrl-C then reaches the demo directly, which stops what it started.
await import(pathToFileURL(demo).href);
