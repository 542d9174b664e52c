// A service process of its own (as in production: one process per instance), for tests that run several
// instances in one consumer group.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { env, type LogLine } from './support';

const REPO_ROOT = path.join(__dirname, '..', '..', '..');
const MAIN = path.join(__dirname, '..', 'src', 'main.ts');

export interface ServiceProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  logs: LogLine[];
  stderr: string[];
  port: Promise<number>;
  exited: Promise<number | null>;
}

export function startProcess(prefix: string, schema: string): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      TOPIC_PREFIX: prefix,
      DB_SCHEMA: schema,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_BROKERS: env.brokers,
      SCHEMA_REGISTRY_URL: env.registryUrl,
      DATABASE_URL: env.databaseUrl,
      TSX_TSCONFIG_PATH: path.join(__dirname, 'tsconfig.src-paths.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  let resolvePort: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolve) => (resolvePort = resolve));
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      if (line.msg === 'service started' && typeof line.port === 'number') resolvePort(line.port);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs, stderr, port, exited };
}

export async function stopProcess(proc: ServiceProcess): Promise<number | null> {
  if (proc.child.exitCode !== null) return proc.child.exitCode;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A small seeded generator, so a failing run can be repeated with the same orders. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function metricSum(text: string, name: string, topic?: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => topic === undefined || line.includes(`topic="${topic}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** Waits until every process has reported its HTTP port; fails with its stderr if one exits first. */
export async function portsOf(processes: readonly ServiceProcess[]): Promise<number[]> {
  return Promise.all(
    processes.map((proc, i) =>
      Promise.race([
        proc.port,
        proc.exited.then((code) => {
          throw new Error(`process ${i} exited with ${code}: ${proc.stderr.join('')}`);
        }),
      ]),
    ),
  );
}
