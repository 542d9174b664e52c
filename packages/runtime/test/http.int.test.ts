import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../src/errors';
import {
  createHttpApp,
  parseBody,
  parseParams,
  parseQuery,
  requireBearer,
  startHttpServer,
  type ReadinessCheck,
  type RunningHttpServer,
} from '../src/http';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';

type LogLine = Record<string, unknown> & { msg?: string; requestId?: string };

const TOKEN = 's3cret-admin-token';

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Harness {
  base: string;
  running: RunningHttpServer;
  logs: LogLine[];
  /** How many /slow requests have reached their handler. */
  slowStarted: () => number;
}

async function startApp(
  readiness: ReadinessCheck[] = [],
  extra: { readinessTimeoutMs?: number } = {},
): Promise<Harness> {
  const service = `http-test-${randomUUID().slice(0, 8)}`;
  const logs: LogLine[] = [];
  const logger = createLogger({
    service,
    level: 'debug',
    destination: { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  });
  const metrics = createMetrics(service, { defaultMetrics: false });
  let slowStarted = 0;
  const app = createHttpApp({
    service,
    logger,
    metrics,
    bodyLimit: 1_000,
    readiness,
    ...extra,
    routes: (router) => {
      router.get('/items/:id', (req, res) => {
        const { id } = parseParams(z.object({ id: z.uuid() }), req);
        const { limit } = parseQuery(
          z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }),
          req,
        );
        res.json({ id, limit });
      });
      router.post('/items', (req, res) => {
        const body = parseBody(z.object({ name: z.string().min(1), qty: z.number().int().positive() }), req);
        res.status(201).json(body);
      });
      router.get('/conflict', () => {
        throw new AppError({ code: 'ITEMS.CONFLICT', message: 'Item 7 is already taken.', httpStatus: 409 });
      });
      router.get('/boom', async () => {
        await Promise.resolve();
        throw new Error('password=hunter2 at db.internal:5432');
      });
      router.get('/slow', async (_req, res) => {
        slowStarted += 1;
        await new Promise((resolve) => setTimeout(resolve, 300));
        res.json({ done: true });
      });
      router.post('/admin/actions', requireBearer(TOKEN), (_req, res) => {
        res.status(202).json({ accepted: true });
      });
    },
  });
  const running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger, shutdownGraceMs: 2_000 });
  return { base: `http://127.0.0.1:${running.port}`, running, logs, slowStarted: () => slowStarted };
}

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Record<string, unknown>;
}

describe('http app', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startApp([{ name: 'db', check: async () => ({ ok: true, details: { pool: 'idle' } }) }]);
  });

  afterAll(async () => {
    await h.running.close();
  });

  describe('probes', () => {
    test('GET /healthz says the process is alive and names the service', async () => {
      const response = await fetch(`${h.base}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', service: expect.stringMatching(/^http-test-/) });
    });

    test('GET /readyz is 200 with every check when all are ok', async () => {
      const response = await fetch(`${h.base}/readyz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ready',
        service: expect.any(String),
        checks: { db: { ok: true, details: { pool: 'idle' } } },
      });
    });

    test('GET /readyz is 503 when a check fails or hangs, and answers within the check timeout', async () => {
      const sick = await startApp(
        [
          { name: 'db', check: async () => ({ ok: true }) },
          {
            name: 'kafka',
            check: async () => {
              throw new Error('broker unreachable');
            },
          },
          { name: 'redis', check: () => new Promise(() => undefined) },
        ],
        { readinessTimeoutMs: 100 },
      );
      try {
        const started = Date.now();
        const response = await fetch(`${sick.base}/readyz`);
        expect(Date.now() - started).toBeLessThan(1_500);
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({
          status: 'not_ready',
          service: expect.any(String),
          checks: {
            db: { ok: true },
            kafka: { ok: false, error: 'broker unreachable' },
            redis: { ok: false, error: 'timed out after 100 ms' },
          },
        });
      } finally {
        await sick.running.close();
      }
    });
  });

  describe('metrics', () => {
    test('GET /metrics counts requests by route pattern, never by raw URL', async () => {
      const id = randomUUID();
      expect((await fetch(`${h.base}/items/${id}?limit=5`)).status).toBe(200);
      expect((await fetch(`${h.base}/no/such/${id}`)).status).toBe(404);

      const response = await fetch(`${h.base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toMatch(
        /orderflow_http_requests_total\{[^}]*route="\/items\/:id"[^}]*status="200"[^}]*\} [1-9]/,
      );
      expect(text).toMatch(
        /orderflow_http_requests_total\{[^}]*route="unmatched"[^}]*status="404"[^}]*\} [1-9]/,
      );
      expect(text).toMatch(/orderflow_http_request_duration_seconds_count\{[^}]*route="\/items\/:id"/);
      expect(text).not.toContain(id);
    });
  });

  describe('problems', () => {
    test('an unknown route is a 404 problem naming the path', async () => {
      const response = await fetch(`${h.base}/nowhere?x=1`);
      expect(response.status).toBe(404);
      const body = await problemOf(response);
      expect(body).toEqual({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        code: 'HTTP.NOT_FOUND',
        detail: 'No route for GET /nowhere.',
        instance: '/nowhere',
        request_id: response.headers.get('x-request-id'),
      });
    });

    test('malformed JSON is a 400 problem', async () => {
      const response = await fetch(`${h.base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name": "x",',
      });
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({
        status: 400,
        code: 'HTTP.MALFORMED_JSON',
        instance: '/items',
      });
    });

    test('a body over the limit is a 413 problem', async () => {
      const response = await fetch(`${h.base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(5_000), qty: 1 }),
      });
      expect(response.status).toBe(413);
      expect(await problemOf(response)).toMatchObject({
        status: 413,
        code: 'HTTP.PAYLOAD_TOO_LARGE',
        detail: 'The request body exceeds the limit of 1000 bytes.',
      });
    });

    test('a body in another content type is a 415 problem, not a 5xx', async () => {
      const response = await fetch(`${h.base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'name=x',
      });
      expect(response.status).toBe(415);
      expect(await problemOf(response)).toMatchObject({ code: 'HTTP.UNSUPPORTED_MEDIA_TYPE' });
    });

    test('a valid JSON body passes validation', async () => {
      const response = await fetch(`${h.base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'widget', qty: 2 }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ name: 'widget', qty: 2 });
    });

    test('validation failures are a 400 problem naming each field with its location', async () => {
      const query = await fetch(`${h.base}/items/${randomUUID()}?limit=500`);
      expect(query.status).toBe(400);
      const queryProblem = await problemOf(query);
      expect(queryProblem).toMatchObject({ status: 400, code: 'HTTP.VALIDATION' });
      expect(queryProblem.errors).toEqual([{ field: 'query.limit', message: expect.any(String) }]);

      const params = await fetch(`${h.base}/items/not-a-uuid`);
      expect((await problemOf(params)).errors).toEqual([{ field: 'params.id', message: expect.any(String) }]);

      const body = await fetch(`${h.base}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: '', qty: 1.5 }),
      });
      expect(body.status).toBe(400);
      const fields = ((await problemOf(body)).errors as { field: string }[]).map((e) => e.field);
      expect(fields.sort()).toEqual(['body.name', 'body.qty']);
    });

    test('an AppError keeps its status, code and message', async () => {
      const response = await fetch(`${h.base}/conflict`);
      expect(response.status).toBe(409);
      expect(await problemOf(response)).toMatchObject({
        status: 409,
        title: 'Conflict',
        code: 'ITEMS.CONFLICT',
        detail: 'Item 7 is already taken.',
        instance: '/conflict',
      });
    });

    test('an unknown error is a generic 500 and is logged in full with the request id', async () => {
      const requestId = `boom-${randomUUID()}`;
      const response = await fetch(`${h.base}/boom`, { headers: { 'x-request-id': requestId } });
      expect(response.status).toBe(500);
      const raw = await response.text();
      expect(raw).not.toMatch(/hunter2|db\.internal|Error:|at /);
      expect(JSON.parse(raw)).toMatchObject({ status: 500, code: 'HTTP.INTERNAL', request_id: requestId });

      const logged = await waitFor(() =>
        h.logs.find((l) => l.requestId === requestId && l.msg === 'request failed'),
      );
      expect(logged.level).toBe('error');
      expect(logged.err).toMatchObject({
        message: 'password=hunter2 at db.internal:5432',
        stack: expect.any(String),
      });
    });

    test('responses carry the security headers', async () => {
      const response = await fetch(`${h.base}/healthz`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('request ids', () => {
    test('a sane incoming x-request-id is echoed and on the request log line', async () => {
      const requestId = `trace-${randomUUID()}`;
      const response = await fetch(`${h.base}/conflict`, { headers: { 'x-request-id': requestId } });
      expect(response.headers.get('x-request-id')).toBe(requestId);
      expect((await problemOf(response)).request_id).toBe(requestId);

      const line = await waitFor(() =>
        h.logs.find((l) => l.requestId === requestId && l.msg === 'request completed'),
      );
      expect(line).toMatchObject({ method: 'GET', route: '/conflict', status: 409, code: 'ITEMS.CONFLICT' });
    });

    test('a missing or unsafe x-request-id is replaced with a generated UUID', async () => {
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      const none = await fetch(`${h.base}/healthz`);
      expect(none.headers.get('x-request-id')).toMatch(uuid);
      const unsafe = await fetch(`${h.base}/healthz`, { headers: { 'x-request-id': 'x'.repeat(200) } });
      expect(unsafe.headers.get('x-request-id')).toMatch(uuid);
      expect(unsafe.headers.get('x-request-id')).not.toBe(none.headers.get('x-request-id'));
    });
  });

  describe('bearer auth', () => {
    const url = () => `${h.base}/admin/actions`;

    test('a missing token is a 401 problem with a Bearer challenge', async () => {
      const response = await fetch(url(), { method: 'POST' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await problemOf(response)).toMatchObject({ status: 401, code: 'HTTP.UNAUTHORIZED' });
    });

    test('a wrong token, or another scheme, is a 401 problem', async () => {
      const wrong = await fetch(url(), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(await problemOf(wrong)).toMatchObject({ code: 'HTTP.INVALID_TOKEN' });

      const basic = await fetch(url(), { method: 'POST', headers: { authorization: `Basic ${TOKEN}` } });
      expect(basic.status).toBe(401);
    });

    test('the right token gets through', async () => {
      const response = await fetch(url(), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: true });
    });
  });
});

describe('startHttpServer', () => {
  test('close lets an in-flight request finish, refuses new ones and does not wait for keep-alive', async () => {
    const h = await startApp();
    const inFlight = fetch(`${h.base}/slow`);
    // Close only once the handler runs, so the request is really in flight.
    await waitFor(() => (h.slowStarted() > 0 ? true : undefined));

    const started = Date.now();
    const closing = h.running.close();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ done: true });
    await closing;
    // Well inside the 2 s grace: the connection was closed, not timed out.
    expect(Date.now() - started).toBeLessThan(1_500);
    await expect(fetch(`${h.base}/healthz`)).rejects.toThrow();
    expect(h.logs.some((l) => l.msg === 'http server closed')).toBe(true);
  });

  test('rejects when the port is taken', async () => {
    const h = await startApp();
    try {
      await expect(
        startHttpServer(() => undefined, {
          host: '127.0.0.1',
          port: h.running.port,
          logger: createLogger({ service: 't', level: 'silent' }),
        }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await h.running.close();
    }
  });
});
