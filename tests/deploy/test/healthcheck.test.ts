// docker/healthcheck.cjs, the containers' health probe (the slim Node image has no curl), run for real
// against a local HTTP server on a free port.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { repoPath } from './support/files';

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? 200 : 503;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs the probe (asynchronously: the server under test lives in this process) and returns its exit code. */
const probe = (args: string[], env: Record<string, string> = {}): Promise<number | null> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('docker', 'healthcheck.cjs'), ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: 'ignore',
      timeout: 10_000,
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });

describe('docker/healthcheck.cjs', () => {
  test('exits 0 on a 2xx and 1 on anything else', async () => {
    expect(await probe(['/healthz', String(port)])).toBe(0);
    expect(await probe(['/readyz', String(port)])).toBe(1);
  });

  test('takes the port from PORT when none is given, and fails when nothing answers', async () => {
    expect(await probe(['/healthz'], { PORT: String(port) })).toBe(0);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe(['/healthz', String(closedPort)])).toBe(1);
  });

  test('exits 2 when it cannot tell which port to probe', async () => {
    expect(await probe(['/healthz'], { SERVICE: 'no-such-service' })).toBe(2);
  });
});
