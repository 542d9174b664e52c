// The null pipeline: the importer feeds a private copy of the topics, and six pass-through stages (one
// process each, like the services) move every order through the same hops with no database. Its
// end-to-end rate is the ceiling our services are measured against.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { allTopicSpecs } from '@orderflow/contracts';
import { createPrefixedTopics } from '@orderflow/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { NULL_STAGES, type NullStage } from './null-stage';

export interface NullPipelineResult {
  orders: number;
  importMs: number;
  /** First order imported to last orders.finished counted. */
  endToEndMs: number;
  ordersPerSecond: number;
}

export interface NullPipelineOptions {
  ordersCsv: string;
  repoRoot: string;
  prefix?: string;
  env?: NodeJS.ProcessEnv;
  say?: (line: string) => void;
  timeoutMs?: number;
  /** Aborts the wait (Ctrl-C); the stages and topics are still cleaned up. */
  signal?: AbortSignal;
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  if (child.stdout) readline.createInterface({ input: child.stdout }).on('line', onLine);
}

export async function runNullPipeline(options: NullPipelineOptions): Promise<NullPipelineResult> {
  const say = options.say ?? (() => undefined);
  const prefix = options.prefix ?? `bench-null-${Date.now()}-`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' };
  const kafka = new Kafka({
    clientId: 'bench-null',
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.ERROR,
  });
  await createPrefixedTopics(kafka, prefix, allTopicSpecs());

  const children: ChildProcess[] = [];
  let counted = 0;
  let lastCountedAt = 0;
  try {
    const stageMain = path.join(__dirname, 'null-stage.js');
    const ready = (Object.keys(NULL_STAGES) as NullStage[]).map(
      (stage) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(process.execPath, [stageMain, stage], {
            env,
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          children.push(child);
          child.once('exit', (code) => reject(new Error(`null stage ${stage} exited (${code})`)));
          lines(child, (line) => {
            if (line === 'ready') resolve();
            const match = /^counted (\d+) \d+ (\d+)$/.exec(line);
            if (match) {
              counted = Number(match[1]);
              lastCountedAt = Number(match[2]);
            }
          });
        }),
    );
    await Promise.all(ready);
    say(`null pipeline: ${children.length} pass-through stages joined (prefix ${prefix})`);

    const started = Date.now();
    const importer = spawn(
      process.execPath,
      [
        path.join(options.repoRoot, 'services/importer/dist/cli.js'),
        'orders',
        options.ordersCsv,
        '--no-progress',
      ],
      { env, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const stopImporter = (): void => void importer.kill('SIGTERM');
    options.signal?.addEventListener('abort', stopImporter, { once: true });
    importer.once('exit', () => options.signal?.removeEventListener('abort', stopImporter));
    let produced = -1;
    lines(importer, (line) => {
      const match = /orders produced\s+(\d+)/.exec(line);
      if (match) produced = Number(match[1]);
    });
    const code = await new Promise<number | null>((resolve) => importer.once('exit', resolve));
    const importMs = Date.now() - started;
    if ((code !== 0 && code !== 2) || produced < 0) throw new Error(`importer failed (exit ${code})`);
    say(`null pipeline: imported ${produced} orders in ${(importMs / 1000).toFixed(1)} s`);

    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    while (counted < produced) {
      if (options.signal?.aborted) throw new Error('null pipeline: interrupted');
      if (Date.now() > deadline)
        throw new Error(`null pipeline: ${counted}/${produced} finished before the deadline`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const endToEndMs = lastCountedAt - started;
    return {
      orders: produced,
      importMs,
      endToEndMs,
      ordersPerSecond: Math.round((produced / endToEndMs) * 1000),
    };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) =>
        child.exitCode === null ? new Promise((r) => child.once('exit', r)) : undefined,
      ),
    );
    const admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata();
    await admin
      .deleteTopics({ topics: topics.map((t) => t.name).filter((name) => name.startsWith(prefix)) })
      .catch(() => undefined);
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  }
}
