import { request } from 'node:http';
import { createLogger } from '../logger';
import { startHttpServer } from './server';

function get(
  port: number,
  path: string,
): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startHttpServer', () => {
  test('a request Node refuses before the app (a 100 KB query) is answered in problem+json', async () => {
    // Found by the fuzz test: Node answered 431 with no body and no content type.
    const server = await startHttpServer((_req, res) => res.end('ok'), {
      host: '127.0.0.1',
      port: 0,
      logger: createLogger({ service: 'test', level: 'silent' }),
    });
    try {
      const answer = await get(server.port, `/x?pad=${'p'.repeat(100_000)}`);
      expect(answer.status).toBe(431);
      expect(answer.type).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 431,
        code: 'HTTP.REQUEST_HEADER_FIELDS_TOO_LARGE',
        detail: expect.stringContaining('too large'),
      });
      expect((await get(server.port, '/x')).body).toBe('ok');
    } finally {
      await server.close();
    }
  });
});
