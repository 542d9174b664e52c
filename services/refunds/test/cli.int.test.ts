import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { refundIdFor } from '../src/domain/refund-request';
import { finishedOrder, newKey, RefundsHarness } from './support';

const CLI = path.join(__dirname, '..', 'src', 'cli.ts');
const h = new RefundsHarness();

beforeAll(async () => {
  await h.start();
});

afterAll(async () => {
  await h.stop();
});

/** A port nothing listens on: taken from the OS, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a person would, with the service URL and token from the environment or flags. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      {
        cwd: path.join(__dirname, '..'),
        env: { ...process.env, REFUNDS_URL: h.baseUrl, API_TOKEN: h.token, ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('refunds request prints the accepted refund; refunds status follows it to its decision', async () => {
  const order = finishedOrder({ total_cents: 3_000 });
  await h.finish(order);
  const key = newKey();

  const requested = await cli([
    'request',
    order.order_id,
    '1200',
    '--reason',
    'cracked screen',
    '--key',
    key,
  ]);

  expect(requested).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(requested.stdout)).toEqual({ refund_id: refundIdFor(key), status: 'REQUESTED' });
  await h.outcome(order.order_id, refundIdFor(key));
  const status = await cli(['status', refundIdFor(key)]);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({
    refund_id: refundIdFor(key),
    order_id: order.order_id,
    status: 'REFUNDED',
    amount_cents: 1_200,
    remaining_refundable_cents: 1_800,
  });
});

test('without an amount the CLI asks for everything that remains; --url and --token override the environment', async () => {
  const order = finishedOrder({ total_cents: 999 });
  await h.finish(order);
  const key = newKey();

  const run = await cli(
    ['request', order.order_id, '--reason', 'all', '--key', key, '--url', h.baseUrl, '--token', h.token],
    { REFUNDS_URL: 'http://127.0.0.1:9', API_TOKEN: 'wrong-token-wrong-token' },
  );

  expect(run.code).toBe(0);
  const outcome = await h.outcome(order.order_id, refundIdFor(key));
  expect(outcome).toMatchObject({ topic: 'refunds.processed', value: { amount_cents: 999 } });
});

test('an HTTP error exits 1 with one line giving the problem', async () => {
  const order = finishedOrder();
  const key = newKey();
  expect((await cli(['request', order.order_id, '100', '--reason', 'first', '--key', key])).code).toBe(0);

  const reused = await cli(['request', order.order_id, '200', '--reason', 'second', '--key', key]);
  expect(reused.code).toBe(1);
  expect(reused.stdout).toBe('');
  expect(reused.stderr).toMatch(
    /^refunds: HTTP 422 REFUNDS\.IDEMPOTENCY_CONFLICT: This Idempotency-Key .+\n$/,
  );

  const unknown = await cli(['status', 'no-such-refund']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toBe('refunds: HTTP 404 REFUNDS.NOT_FOUND: No refund no-such-refund.\n');

  const badToken = await cli(['request', order.order_id, '--reason', 'x', '--key', newKey()], {
    API_TOKEN: 'wrong-token-wrong-token',
  });
  expect(badToken.code).toBe(1);
  expect(badToken.stderr).toBe('refunds: HTTP 401 HTTP.INVALID_TOKEN: The bearer token is not valid.\n');
});

test('mistakes on the command line and an unreachable service exit 1 with one line', async () => {
  const noToken = await cli(['request', 'ord-1', '--reason', 'x', '--key', 'k'], { API_TOKEN: '' });
  expect(noToken).toMatchObject({
    code: 1,
    stderr: 'refunds: no API token: pass --token or set API_TOKEN\n',
  });

  const badAmount = await cli(['request', 'ord-1', '12.5', '--reason', 'x', '--key', 'k']);
  expect(badAmount.code).toBe(1);
  expect(badAmount.stderr).toMatch(/amount_cents/);

  const port = await closedPort();
  const down = await cli(['status', 'abc', '--url', `http://127.0.0.1:${port}`]);
  expect(down.code).toBe(1);
  expect(down.stderr).toBe(`refunds: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  expect(down.stderr.trim().split('\n')).toHaveLength(1);
});
