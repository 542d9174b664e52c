import { Writable } from 'node:stream';
import { createLogger, eventLogger, maskEmail } from './logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  test('secrets never reach a line, at any depth the services use', async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination });
    log.info(
      { token: 't0ps3cret', req: { headers: { authorization: 'Bearer abc' } }, config: { API_TOKEN: 'xyz' } },
      'hi',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/t0ps3cret|Bearer abc|xyz/);
    expect(text).toContain('[redacted]');
  });

  test('event loggers carry the order id and event id on every line', async () => {
    const { lines, destination } = capture();
    eventLogger(createLogger({ service: 'test', destination }), { orderId: 'o-1', eventId: 'e-1' }).warn('x');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ service: 'test', orderId: 'o-1', eventId: 'e-1', level: 'warn' });
  });

  test('emails are masked to the first letter and the domain', () => {
    expect(maskEmail('ada@example.com')).toBe('a***@example.com');
    expect(maskEmail('broken')).toBe('***');
  });
});
