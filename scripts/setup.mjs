// `npm run setup`: install (when needed), build, then the demo on the bundled samples, detached: the
// stack, topics, schemas and services stay up, the sample data goes through the saga, and the outcomes,
// KPIs, leaderboard and every URL are printed. Safe to run again: each step skips what is already done,
// and the re-import repeats the same event ids, which every service recognises.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const result = spawnSync(
  process.execPath,
  [
    'scripts/demo.mjs',
    '--detach',
    '--orders',
    'samples/orders.csv',
    '--stock',
    'samples/stock.csv',
    '--stock-currency',
    'EUR',
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, INIT_CWD: root } },
);
if (result.status !== 0) {
  console.error(`\nsetup failed (exit ${result.status ?? result.signal}); see the output above.`);
  process.exit(1);
}
console.log('Next: npm test');
