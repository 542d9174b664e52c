import { createHmac } from 'node:crypto';
import { parseSignatureHeader, signWebhook, verifyWebhook } from './webhook-signature';

const secret = 'test-secret-0123456789';
const body = Buffer.from('{"delivery_id":"dlv_1","outcome":"SUCCEEDED","amount_cents":1299}');
const now = 1_750_000_000;

function check(
  header: string | undefined,
  options: { body?: Buffer | string; secret?: string; nowSeconds?: number } = {},
) {
  return verifyWebhook({
    secret: options.secret ?? secret,
    header,
    body: options.body ?? body,
    nowSeconds: options.nowSeconds ?? now,
  });
}

describe('webhook signatures', () => {
  test('a body signed with the secret verifies', () => {
    expect(check(signWebhook(secret, body, now))).toEqual({ ok: true, timestamp: now });
  });

  test('the signature is HMAC-SHA256 over "<t>.<raw body>", hex', () => {
    const expected = createHmac('sha256', secret).update(`${now}.`).update(body).digest('hex');
    expect(signWebhook(secret, body, now)).toBe(`t=${now},v1=${expected}`);
  });

  test('a string body and its UTF-8 bytes sign the same', () => {
    expect(signWebhook(secret, body.toString('utf8'), now)).toBe(signWebhook(secret, body, now));
  });

  test('a signature made with another secret is refused', () => {
    expect(check(signWebhook('another-secret-xyz', body, now))).toEqual({ ok: false, failure: 'MISMATCH' });
  });

  test('a tampered body is refused, even by one byte or whitespace', () => {
    const header = signWebhook(secret, body, now);
    expect(check(header, { body: body.toString().replace('1299', '1298') })).toEqual({
      ok: false,
      failure: 'MISMATCH',
    });
    expect(check(header, { body: `${body.toString()} ` })).toEqual({ ok: false, failure: 'MISMATCH' });
  });

  test('a timestamp swapped in the header breaks the signature', () => {
    const header = signWebhook(secret, body, now).replace(`t=${now}`, `t=${now + 1}`);
    expect(check(header)).toEqual({ ok: false, failure: 'MISMATCH' });
  });

  test('a signature older than 5 minutes is stale; exactly 5 minutes is still accepted', () => {
    expect(check(signWebhook(secret, body, now - 301))).toEqual({ ok: false, failure: 'STALE' });
    expect(check(signWebhook(secret, body, now - 300)).ok).toBe(true);
  });

  test('a signature more than 5 minutes in the future is refused', () => {
    expect(check(signWebhook(secret, body, now + 301))).toEqual({ ok: false, failure: 'FUTURE' });
    expect(check(signWebhook(secret, body, now + 300)).ok).toBe(true);
  });

  test('a missing or blank header is reported as missing', () => {
    expect(check(undefined)).toEqual({ ok: false, failure: 'MISSING' });
    expect(check('  ')).toEqual({ ok: false, failure: 'MISSING' });
  });

  test.each([
    ['no timestamp', 'v1=' + 'a'.repeat(64)],
    ['no signature', `t=${now}`],
    ['a non-numeric timestamp', `t=soon,v1=${'a'.repeat(64)}`],
    ['a short signature', `t=${now},v1=abc`],
    ['non-hex signature', `t=${now},v1=${'z'.repeat(64)}`],
    ['two timestamps', `t=${now},t=${now},v1=${'a'.repeat(64)}`],
    ['a part without =', `t=${now},v1`],
    ['garbage', 'sha256=deadbeef'],
  ])('a header with %s is malformed', (_what, header) => {
    expect(check(header)).toEqual({ ok: false, failure: 'MALFORMED' });
  });

  test('one matching v1 among several is enough (secret rotation), unknown schemes are ignored', () => {
    const good = signWebhook(secret, body, now);
    const v1 = good.split('v1=')[1]!;
    expect(check(`t=${now},v0=whatever,v1=${'0'.repeat(64)},v1=${v1}`).ok).toBe(true);
    expect(parseSignatureHeader(`t=${now},v1=${v1},v1=${'0'.repeat(64)}`)?.signatures).toHaveLength(2);
  });
});
