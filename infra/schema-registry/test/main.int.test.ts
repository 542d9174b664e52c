import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orderflow';
const dbSchema = `sr_test_${randomBytes(6).toString('hex')}`;
const workspace = path.resolve(__dirname, '..');

function runMain(env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: workspace,
    env: { ...process.env, DATABASE_URL: databaseUrl, SCHEMA_REGISTRY_DB_SCHEMA: dbSchema, ...env },
  });
}

/** Resolves with the first stdout line matching `pattern`, or rejects after `ms`. */
function waitForLine(child: ChildProcessWithoutNullStreams, pattern: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} within ${ms}ms:\n${buffered}`)),
      ms,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
}

function waitForExit(child: ChildProcessWithoutNullStreams, ms: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error(`process did not exit within ${ms}ms`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

afterAll(async () => {
  const pool = new Pool({ connectionString: databaseUrl });
  await pool.query(`DROP SCHEMA IF EXISTS "${dbSchema}" CASCADE`);
  await pool.end();
});

describe('main', () => {
  test('logs the port it listens on, serves /subjects, and exits cleanly on SIGTERM', async () => {
    const child = runMain({ PORT: '0', LOG_LEVEL: 'info' });
    try {
      const line = await waitForLine(child, /listening/, 20000);
      const { port } = JSON.parse(line) as { port: number };
      expect(port).toBeGreaterThan(0);

      const res = await fetch(`http://127.0.0.1:${port}/subjects`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);

      child.kill('SIGTERM');
      expect(await waitForExit(child, 10000)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a bad variable makes it exit non-zero naming the variable', async () => {
    const child = runMain({ PORT: 'eighty' });
    const line = waitForLine(child, /PORT/, 20000);
    expect(await waitForExit(child, 20000)).toBe(1);
    expect(await line).toContain('PORT');
  });
});
