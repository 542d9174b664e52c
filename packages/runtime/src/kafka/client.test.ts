import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseEnv, ConfigError, loadConfig } from '../config';
import { kafkaTls } from './client';

describe('kafkaTls', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-tls-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  test('off unless KAFKA_SSL, on with Node defaults when no file is given', () => {
    expect(kafkaTls(loadConfig(baseEnv, {}))).toBe(false);
    expect(kafkaTls(loadConfig(baseEnv, { KAFKA_SSL: 'true' }))).toBe(true);
  });

  test('reads the CA, client certificate and key files, and passes the reject switch', () => {
    const config = loadConfig(baseEnv, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: file('ca.pem', 'CA'),
      KAFKA_SSL_CERT_FILE: file('client.pem', 'CERT'),
      KAFKA_SSL_KEY_FILE: file('client.key', 'KEY'),
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
    });
    const tls = kafkaTls(config);
    expect(tls).toEqual({
      ca: [Buffer.from('CA')],
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      rejectUnauthorized: false,
    });
  });

  test('an unreadable file is a ConfigError naming its variable', () => {
    const config = loadConfig(baseEnv, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: path.join(dir, 'nope.pem') });
    expect(() => kafkaTls(config)).toThrow(ConfigError);
    expect(() => kafkaTls(config)).toThrow(/KAFKA_SSL_CA_FILE: cannot read .*nope\.pem \(ENOENT\)/);
  });
});
