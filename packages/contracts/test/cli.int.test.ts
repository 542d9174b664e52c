// Runs the CLI as operators do (through tsx, so no build is needed) against the real schema registry.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { topicNames, topics } from '../src';

const REGISTRY_URL = process.env['SCHEMA_REGISTRY_URL'] || 'http://127.0.0.1:8081';
const TSX_CLI = path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
const CLI = path.join(__dirname, '..', 'src', 'cli.ts');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TSX_CLI, CLI, ...args], {
      env: { ...process.env, SCHEMA_REGISTRY_URL: REGISTRY_URL, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('contracts CLI', () => {
  test('register prints subject, id and version for every topic', async () => {
    const run = await runCli(['register']);
    expect(run).toMatchObject({ code: 0 });
    const registry = new SchemaRegistry({ host: REGISTRY_URL });
    for (const topic of topicNames) {
      const subject = topics[topic].subject;
      const id = await registry.getLatestSchemaId(subject);
      expect(run.stdout).toMatch(new RegExp(`^${subject.replace(/\./g, '\\.')}\\s+${id}\\s+\\d+$`, 'm'));
    }
  });

  test('check reports every schema compatible with what is registered', async () => {
    await runCli(['register']);
    const run = await runCli(['check']);
    expect(run.code).toBe(0);
    for (const topic of topicNames) {
      expect(run.stdout).toMatch(
        new RegExp(`^${topics[topic].subject.replace(/\./g, '\\.')}\\s+compatible$`, 'm'),
      );
    }
  });

  test('an unreachable registry exits 1 with a one-line reason', async () => {
    const run = await runCli(['register'], { SCHEMA_REGISTRY_URL: 'http://127.0.0.1:9' });
    expect(run.code).toBe(1);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toEqual([
      expect.stringMatching(/^error: schema registry unreachable at http:\/\/127\.0\.0\.1:9: /),
    ]);
  });

  test('an unknown command prints usage and fails', async () => {
    const run = await runCli(['deploy']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^usage:/);
  });
});
