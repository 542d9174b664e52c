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

// Every workspace the root package.json lists (`dir/*` globs or plain folders).
const workspaces = () =>
  JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [path.join(root, pattern)];
    const dir = path.join(root, pattern.slice(0, -2));
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((w) => path.join(dir, w)) : [];
  });
const resultFiles = () => workspaces().map((workspace) => path.join(workspace, '.jest-results.json'));

for (const file of resultFiles()) fs.rmSync(file, { force: true });

if (run('npx', ['turbo', 'run', 'build']) !== 0) process.exit(1);
if (run('node', ['infra/stack/dist/cli.js', 'ensure']) !== 0) process.exit(1);
const started = Date.now();
const status = run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...extra]);

let passed = 0;
let failed = 0;
let suitesFailed = 0;
// Failures are repeated at the end, with the first lines of each message, so the tail of a CI log
// (often all that is kept) names what failed.
const failures = [];
for (const file of resultFiles()) {
  if (!fs.existsSync(file)) continue;
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += results.numPassedTests;
  failed += results.numFailedTests;
  // A suite that fails to load has no failed tests but must still fail the run.
  suitesFailed += results.numRuntimeErrorTestSuites ?? 0;
  for (const suite of results.testResults ?? []) {
    const where = path.relative(root, suite.name);
    if (suite.status === 'failed' && (suite.assertionResults ?? []).every((t) => t.status !== 'failed')) {
      failures.push(`${where}: suite failed to run\n${firstLines(suite.message)}`);
    }
    for (const test of suite.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      failures.push(`${where} › ${test.fullName}\n${firstLines((test.failureMessages ?? []).join('\n'))}`);
    }
  }
}
function firstLines(text = '') {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 12)
    .map((line) => `    ${line}`)
    .join('\n');
}
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
const seconds = ((Date.now() - started) / 1000).toFixed(0);
console.log(`\ntest wall time ${seconds} s${suitesFailed ? `, ${suitesFailed} suites failed to run` : ''}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(status !== 0 || failed > 0 || suitesFailed > 0 ? 1 : 0);
