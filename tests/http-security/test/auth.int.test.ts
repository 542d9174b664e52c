import { exampleValue, securedOperations } from '@orderflow/runtime/testing/http-fuzz';
import { SecurityStack, type ServiceName } from './stack';

/**
 * Every operation a document protects with bearer security (derived from the documents, so a new protected
 * route is covered without touching this file) refuses bad credentials with a 401 problem+json and writes
 * nothing: no row in the service's schema, no event on any topic.
 *
 * The payments webhook (HMAC signature instead of a token) has its own tests next to the service, in
 * services/payments/test/webhooks.int.test.ts: missing and wrong signatures, stale and future timestamps,
 * a replayed delivery, bytes re-serialised after signing — each refused and not applied.
 */
const SERVICES: ServiceName[] = ['refunds', 'notifier'];
const stack = new SecurityStack(SERVICES);

beforeAll(async () => {
  await stack.start();
}, 90_000);

afterAll(async () => {
  await stack.stop();
});

function badCredentials(token: string): [string, Record<string, string>, string?][] {
  return [
    ['no Authorization header', {}],
    ['an empty Authorization header', { authorization: '' }],
    [
      'Basic instead of Bearer',
      { authorization: `Basic ${Buffer.from(`user:${token}`).toString('base64')}` },
    ],
    ['the token without a scheme', { authorization: token }],
    ['Bearer and nothing else', { authorization: 'Bearer ' }],
    ['a wrong token', { authorization: 'Bearer not-the-token-0123456789abcdef' }],
    ['the token minus its last character', { authorization: `Bearer ${token.slice(0, -1)}` }],
    ['the token plus one character', { authorization: `Bearer ${token}x` }],
    ['the token in another case', { authorization: `Bearer ${token.toUpperCase()}` }],
    ['whitespace inside the token', { authorization: `Bearer ${token.slice(0, 6)} ${token.slice(6)}` }],
    ['a second word after the token', { authorization: `Bearer ${token} extra` }],
    ['two tokens, comma separated', { authorization: `Bearer wrong, Bearer ${token}` }],
    ['a very long token', { authorization: `Bearer ${'a'.repeat(8_000)}` }],
    ['the token in the query string instead', {}, `access_token=${token}`],
    ['the token in another header', { 'x-api-token': token }],
  ];
}

describe.each(SERVICES)('%s', (name) => {
  test('protects at least one operation with bearer security', () => {
    expect(securedOperations(stack.app(name).document).length).toBeGreaterThan(0);
  });

  test('every bearer-protected operation refuses bad credentials with 401 and writes nothing', async () => {
    const app = stack.app(name);
    const { secrets } = stack;
    for (const { method, path } of securedOperations(app.document)) {
      const operation = app.document.paths[path]![method]!;
      const url = `${app.baseUrl}${path.replace(/\{[^}]+\}/g, 'auth-test-id')}`;
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const body = bodySchema ? JSON.stringify(exampleValue(bodySchema, app.document, 1)) : undefined;
      const send = (headers: Record<string, string>, query?: string, key = 'auth-test-key') =>
        fetch(query ? `${url}?${query}` : url, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json', 'idempotency-key': key, ...headers },
          body,
        });

      const rowsBefore = await stack.fingerprint(name);
      const offsetsBefore = await stack.topicOffsets();
      for (const [label, headers, query] of badCredentials(secrets.apiToken)) {
        const response = await send(headers, query);
        const problem = (await response.json()) as Record<string, unknown>;
        const where = `${method.toUpperCase()} ${path} with ${label}`;
        expect({ where, status: response.status }).toEqual({ where, status: 401 });
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(problem).toMatchObject({
          status: 401,
          code: expect.stringMatching(/^HTTP\.(UNAUTHORIZED|INVALID_TOKEN)$/),
        });
        expect(problem.detail).toEqual(expect.any(String));
        // The answer never echoes what was presented.
        expect(JSON.stringify(problem)).not.toContain(secrets.apiToken);
      }
      expect(await stack.fingerprint(name)).toEqual(rowsBefore);
      expect(await stack.topicOffsets()).toEqual(offsetsBefore);

      // The control: the same request with the real token gets past authentication (so the test can fail).
      // Spaces around a header value are not part of it in HTTP, so they do not change the token.
      for (const authorization of [`Bearer ${secrets.apiToken}`, `bearer   ${secrets.apiToken}  `]) {
        const response = await send({ authorization }, undefined, `auth-ok-${authorization.length}`);
        await response.arrayBuffer();
        expect({ authorization, status: response.status }).not.toEqual({ authorization, status: 401 });
      }
    }
  });
});

test('no log line carries the token', () => {
  const text = stack.logs.map((line) => JSON.stringify(line));
  expect(text.filter((line) => line.includes(stack.secrets.apiToken))).toEqual([]);
});
