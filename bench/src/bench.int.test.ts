// The whole tool on a tiny data set against the real stack: an isolated system, the importer alone,
// a fixed-rate run; checks the written files and that nothing of the run is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from '@orderflow/stack';
import { Benchmark } from './bench';
import { parseBenchArgs } from './options';
import type { BenchResult } from './report';

jest.setTimeout(240_000);

it('measures a small run, writes JSON and markdown, and cleans up after itself', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-int-'));
  const options = parseBenchArgs(
    ['--orders', '100', '--rate', '50', '--rate-seconds', '2', '--skip-null', '--out', out],
    {
      cwd: process.cwd(),
      outDir: out,
    },
  );
  const lines: string[] = [];
  const bench = new Benchmark(
    options,
    (line) => lines.push(line),
    new AbortController().signal,
    repoRoot(__dirname),
  );
  const portsBefore = { ...process.env };
  try {
    await bench.run();
  } finally {
    await bench.cleanup();
    for (const key of Object.keys(process.env)) if (!(key in portsBefore)) delete process.env[key];
  }
  const { json, markdown } = bench.write();
  const result = JSON.parse(fs.readFileSync(json, 'utf8')) as BenchResult;
  expect(result.errors).toEqual([]);
  expect(result.importer?.orders).toBe(100);
  expect(result.fullSpeed?.orders).toBe(100);
  expect(result.fullSpeed?.latencyMs.count).toBe(100);
  expect(result.fullSpeed?.unfinished).toBe(0);
  expect(result.fixedRate?.orders).toBe(100);
  expect(result.fixedRate?.latencyMs.count).toBe(100);
  // The importer's --rate 50: order 99 is due 1.98 s after the first.
  expect(result.fixedRate?.importMs).toBeGreaterThanOrEqual(1_980);
  expect(result.fullSpeed?.importMs).toBeLessThan(result.fixedRate?.importMs ?? 0);
  expect(result.services.map((s) => s.service).sort()).toEqual([
    'analytics',
    'inventory',
    'notifier',
    'orders',
    'payments',
    'refunds',
  ]);
  expect(fs.readFileSync(markdown, 'utf8')).toContain('| end-to-end orders/s (100 orders) |');

  const name = lines.find((l) => l.includes('isolated as'))?.match(/isolated as (bench_\w+)/)?.[1];
  expect(name).toBeDefined();
  const kafka = new Kafka({
    brokers: [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const left = (await admin.listTopics()).filter(
      (t) => t.startsWith(`${name}.`) || t.startsWith('bench_imp_' + name!.slice(6)),
    );
    expect(left).toEqual([]);
    const groups = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(`${name}.`));
    expect(groups).toEqual([]);
  } finally {
    await admin.disconnect();
  }
  expect(fs.existsSync(path.join(os.tmpdir(), `orderflow-demo-${name}`))).toBe(false);
  fs.rmSync(out, { recursive: true, force: true });
});
