import { z } from 'zod';
import { ConfigError, baseEnv, loadConfig, port } from './config';

describe('loadConfig', () => {
  test('applies defaults when the environment is empty', () => {
    const config = loadConfig({ ...baseEnv, PORT: port(3001) }, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/orderflow');
    expect(config.PORT).toBe(3001);
  });

  test('a bad value fails naming every bad variable', () => {
    const parse = () =>
      loadConfig(
        { ...baseEnv, PORT: port(3001) },
        { PORT: 'eighty', KAFKA_BROKERS: 'nohostport', REDIS_URL: 'http://x' },
      );
    expect(parse).toThrow(ConfigError);
    try {
      parse();
    } catch (error) {
      const variables = (error as ConfigError).issues.map((i) => i.variable).sort();
      expect(variables).toEqual(['KAFKA_BROKERS', 'PORT', 'REDIS_URL']);
      expect((error as Error).message).toMatch(/PORT: /);
    }
  });

  test('an empty string counts as unset', () => {
    expect(loadConfig({ LOG_LEVEL: baseEnv.LOG_LEVEL }, { LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });

  test('a comma-separated broker list is split and trimmed', () => {
    expect(
      loadConfig({ KAFKA_BROKERS: baseEnv.KAFKA_BROKERS }, { KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS,
    ).toEqual(['a:1', 'b:2']);
  });

  test('a required service variable that is missing is named', () => {
    expect(() => loadConfig({ API_TOKEN: z.string().min(16) }, {})).toThrow(/API_TOKEN/);
  });

  test('Kafka TLS and SASL variables are checked together', () => {
    const issues = (env: NodeJS.ProcessEnv): string[] => {
      try {
        loadConfig(baseEnv, env);
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((i) => `${i.variable}: ${i.problem}`);
      }
    };
    expect(issues({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toEqual([
      'KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set',
      'KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set',
    ]);
    expect(issues({ KAFKA_SSL_CA_FILE: '/ca.pem' })).toEqual([
      'KAFKA_SSL_CA_FILE: set, but KAFKA_SSL is false: set KAFKA_SSL=true to use it',
    ]);
    expect(issues({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/client.pem' })).toEqual([
      'KAFKA_SSL_KEY_FILE: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both or neither',
    ]);
    const ok = loadConfig(baseEnv, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: '/ca.pem',
      KAFKA_SSL_REJECT_UNAUTHORIZED: 'no',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    });
    expect([ok.KAFKA_SSL, ok.KAFKA_SSL_CA_FILE, ok.KAFKA_SSL_REJECT_UNAUTHORIZED]).toEqual([
      true,
      '/ca.pem',
      false,
    ]);
  });
});
