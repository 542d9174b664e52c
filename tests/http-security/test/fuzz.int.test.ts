import { formatFuzzReport, fuzzHttpApi, type FuzzReport } from '@orderflow/runtime/testing/http-fuzz';
import { SERVICE_NAMES, SecurityStack } from './stack';

/**
 * Every documented route of every service, fuzzed from the document the service serves: malformed and huge
 * bodies, wrong types per field, odd query strings, path tricks, wrong methods. Never a 5xx, every 4xx a
 * problem+json with a reason, and the service still healthy afterwards. FUZZ_SEED=<n> replays a run.
 */
const stack = new SecurityStack();
const reports: FuzzReport[] = [];

beforeAll(async () => {
  await stack.start();
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

describe.each(SERVICE_NAMES)('%s', (name) => {
  test('answers every fuzzed request below 500 with a problem+json reason, and stays up', async () => {
    const app = stack.app(name);
    const started = Date.now();
    const report = await fuzzHttpApi(app.baseUrl, app.document, {
      randomCasesPerOperation: 20,
      // With a valid token the bodies of protected operations reach validation too (auth has its own test).
      headers: () => ({ authorization: `Bearer ${stack.secrets.apiToken}` }),
      // A long poll would hold the run for nothing.
      baseline: { timeout_ms: '0' },
    });
    reports.push(report);
    process.stderr.write(
      `${name}: ${report.total} requests in ${Date.now() - started} ms, seed ${report.seed}; slowest ${JSON.stringify(report.slowest.slice(0, 5))}\n`,
    );
    if (report.failures.length > 0) process.stderr.write(`${name}: ${formatFuzzReport(report)}\n`);
    // Short lines here; the full requests and answers are in the report above.
    expect(
      report.failures.map((f) => `${f.request.operation} / ${f.request.category}: ${f.problems.join('; ')}`),
    ).toEqual([]);
    // Every documented operation was exercised.
    for (const [path, item] of Object.entries(app.document.paths)) {
      for (const method of Object.keys(item)) {
        expect(report.requests[`${method.toUpperCase()} ${path}`]).toBeGreaterThan(10);
      }
    }

    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    await health.arrayBuffer();
    expect(stack.uncaught).toEqual([]);
  });
});

test('no log line at info level or above carries a secret of the run', () => {
  const text = stack.logs.map((line) => JSON.stringify(line));
  for (const secret of Object.values(stack.secrets)) {
    expect(text.filter((line) => line.includes(secret))).toEqual([]);
  }
});
