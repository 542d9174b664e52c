import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { uniqueName } from '@orderflow/runtime';
import { repoRoot } from '@orderflow/stack';
import { totalsByCurrency, type DayKpis, type LeaderboardEntry } from '../src/demo/analytics';
import { KPI_HEADERS } from '../src/demo/report';
import { parseMoney } from '../src/demo/format';
import { isolationStateDir } from '../src/demo/isolation';
import { cleanupIsolated } from '../src/demo/run-demo';

// The demo as a user runs it, isolated (`--isolate`: private topics, schemas, Redis keys, free ports,
// pid files in a temp folder) so it runs beside anyone's services, on 150 generated orders, detached.
// The tables it prints must be what the analytics API answers.
const root = repoRoot(__dirname);
const name = uniqueName('demo');
const cli = path.join(root, 'tools', 'demo', 'src', 'cli', 'demo.ts');
let running: ChildProcess | undefined;

interface Run {
  code: number | null;
  output: string;
}

function runDemo(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // From source through tsx: `npm test` builds dependencies first, not this workspace itself.
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      running = undefined;
      resolve({ code, output });
    });
  });
}

/** The table that follows the line starting with `title`: header, dashes, rows up to a blank line. */
function tableAfter(output: string, title: RegExp): { titleLine: string; rows: string[][] } {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => title.test(l));
  if (start < 0) throw new Error(`no line matching ${title} in the output:\n${output}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 3)) {
    if (line.trim() === '') break;
    rows.push(line.trim().split(/\s{2,}/));
  }
  return { titleLine: lines[start] as string, rows };
}

function outcomes(output: string): Map<string, number> {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => /^orders in .*, by outcome:$/.test(l));
  const counts = new Map<string, number>();
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}(\S.*?)\s+(\d+)$/.exec(line);
    if (!match) break;
    counts.set(match[1] as string, Number(match[2]));
  }
  return counts;
}

/** A printed KPI row read back into the API's shape. */
function kpiRow(cells: string[]): Omit<DayKpis, 'date'> {
  const [currency = '', revenue = '', orders = '', failed = '', avg = '', refunds = '', refunded = ''] =
    cells;
  const whole = (text: string): number => Number(text.replace(/,/g, ''));
  return {
    currency,
    revenue_cents: parseMoney(revenue, currency),
    order_count: whole(orders),
    failed_order_count: whole(failed),
    avg_order_value_cents: parseMoney(avg, currency),
    refund_count: whole(refunds),
    refund_amount_cents: parseMoney(refunded, currency),
  };
}

function withoutDate(kpis: DayKpis[]): Omit<DayKpis, 'date'>[] {
  return kpis.map(({ date: _date, ...rest }) => rest).sort((a, b) => a.currency.localeCompare(b.currency));
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect([url, response.status]).toEqual([url, 200]);
  return (await response.json()) as T;
}

afterAll(async () => {
  // Whatever happened: the demo process, the services it left running, its topics, schemas and keys.
  running?.kill('SIGKILL');
  await cleanupIsolated(name, () => undefined);
  expect(fs.existsSync(isolationStateDir(name))).toBe(false);
}, 120_000);

describe('npm run demo', () => {
  let first: Run;
  let analyticsUrl: string;

  test('brings everything up, runs 150 orders through, and prints the KPIs and leaderboard the API has', async () => {
    first = await runDemo(['--isolate', name, '--count', '150', '--seed', 'demo-int', '--detach']);
    expect({ code: first.code, tail: first.code === 0 ? '' : first.output.slice(-3000) }).toEqual({
      code: 0,
      tail: '',
    });
    expect(first.output).toContain('analytics has counted them');
    const ports = JSON.parse(
      fs.readFileSync(path.join(isolationStateDir(name), 'ports.json'), 'utf8'),
    ) as Record<string, string>;
    analyticsUrl = `http://127.0.0.1:${ports.ANALYTICS_PORT}`;
    expect(first.output).toContain(`dashboard        ${analyticsUrl}/dashboard`);

    // Every order of the file has an outcome.
    const counts = outcomes(first.output);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(150);
    expect(counts.get('PAID')).toBeGreaterThan(0);
    expect(counts.get('not imported (bad rows)')).toBeGreaterThan(0);

    // Today's table is GET /kpis?date=today, cell for cell.
    const today = new Date().toISOString().slice(0, 10);
    const todayTable = tableAfter(first.output, /^KPIs today, /);
    expect(todayTable.titleLine).toContain(today);
    const apiToday = await getJson<DayKpis[]>(`${analyticsUrl}/kpis?date=${today}`);
    expect(todayTable.rows.map(kpiRow)).toEqual(withoutDate(apiToday));

    // The period table is the API's days summed, and (a private namespace) exactly this data set.
    const periodTable = tableAfter(
      first.output,
      /^KPIs \d{4}-\d{2}-\d{2} \.\. \d{4}-\d{2}-\d{2}, the data set's days/,
    );
    const [, from, to] = /^KPIs (\S+) \.\. (\S+),/.exec(periodTable.titleLine) ?? [];
    const apiPeriod = totalsByCurrency(
      await getJson<DayKpis[]>(`${analyticsUrl}/kpis?from=${from}&to=${to}`),
      '',
    );
    expect(periodTable.rows.map(kpiRow)).toEqual(withoutDate(apiPeriod));
    expect(tableAfter(first.output, /^KPIs today/).rows[0]?.length).toBe(KPI_HEADERS.length);
    const failed = [...counts].filter(([k]) => k.startsWith('FAILED')).reduce((sum, [, n]) => sum + n, 0);
    expect({
      paid: apiPeriod.reduce((sum, k) => sum + k.order_count, 0),
      failed: apiPeriod.reduce((sum, k) => sum + k.failed_order_count, 0),
      refunds: apiPeriod.reduce((sum, k) => sum + k.refund_count, 0),
    }).toEqual({ paid: counts.get('PAID'), failed, refunds: 4 });

    // The leaderboard of the busiest currency, as GET /leaderboard has it.
    const board = tableAfter(first.output, /^top 10 customers in (\w+), all time/);
    const currency = /in (\w+),/.exec(board.titleLine)?.[1] ?? '';
    const apiBoard = await getJson<LeaderboardEntry[]>(
      `${analyticsUrl}/leaderboard?currency=${currency}&limit=10`,
    );
    expect(apiBoard.length).toBeGreaterThan(0);
    expect(
      board.rows.map(([rank, customer, , , spend]) => [
        Number(rank),
        customer,
        parseMoney(spend ?? '', currency),
      ]),
    ).toEqual(apiBoard.map((e) => [e.rank, e.customer_id, e.net_spend_cents]));
  }, 300_000);

  test('running it again changes nothing: the same orders are duplicates and the refunds are replayed', async () => {
    const second = await runDemo(['--isolate', name, '--count', '150', '--seed', 'demo-int', '--detach']);
    expect({ code: second.code, tail: second.code === 0 ? '' : second.output.slice(-3000) }).toEqual({
      code: 0,
      tail: '',
    });
    expect(second.output).toContain('reusing the data set made earlier today');
    expect(second.output).toContain(
      'already running: orders, inventory, payments, refunds, notifier, analytics',
    );
    expect(outcomes(second.output)).toEqual(outcomes(first.output));
    expect(second.output.match(/asked before \(same Idempotency-Key\)/g)).toHaveLength(4);
    const period = /^KPIs \d{4}-\d{2}-\d{2} \.\. /;
    expect(tableAfter(second.output, period).rows).toEqual(tableAfter(first.output, period).rows);
  }, 300_000);
});
