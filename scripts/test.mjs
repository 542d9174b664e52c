// `npm test`: build, make sure the local stack runs (starting it if needed), run every workspace's jest
// suites one workspace at a time (2 cores, one Kafka), then print one closing line with the totals.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: process.env.FORCE_COLOR ?? '0' };
const extra = process.argv.slice(2);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return result.status ?? 1;
}

const resultFiles = () =>
  ['packages', 'infra', 'services', 'tests']
    .flatMap((dir) =>
      fs.existsSync(path.join(root, dir))
        ? fs.readdirSync(path.join(root, dir)).map((w) => path.join(root, dir, w))
        : [],
    )
    .map((workspace) => path.join(workspace, '.jest-results.json'));

for (const file of resultFiles()) fs.rmSync(file, { force: true });

if (run('npx', ['turbo', 'run', 'build']) !== 0) process.exit(1);
if (run('node', ['infra/stack/dist/cli.js', 'ensure']) !== 0) process.exit(1);
const started = Date.now();
const status = run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...extra]);

let passed = 0;
let failed = 0;
let suitesFailed = 0;
for (const file of resultFiles()) {
  if (!fs.existsSync(file)) continue;
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  // A suite that fails to load has no failed tests but must still fail the run.
  suitesFailed += results.numRuntimeErrorTestSuites ?? 0;
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\ntest wall time ${seconds} s${suitesFailed ? `, ${suitesFailed} suites failed to run` : ''}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 || suitesFailed > 0 ? 1 : 0);
