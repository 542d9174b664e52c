import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  test('defaults match the local stack', () => {
    expect(loadConfig({})).toEqual({
      port: 8081,
      host: '127.0.0.1',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/orderflow',
      logLevel: 'info',
      dbSchema: 'schema_registry',
    });
  });

  test('reads every variable, treating empty ones as unset', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u@db:5432/x',
      LOG_LEVEL: 'debug',
      SCHEMA_REGISTRY_DB_SCHEMA: 'sr_dev',
    });
    expect(config).toEqual({
      port: 0,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://u@db:5432/x',
      logLevel: 'debug',
      dbSchema: 'sr_dev',
    });
    expect(loadConfig({ PORT: '' }).port).toBe(8081);
  });

  test.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['SCHEMA_REGISTRY_DB_SCHEMA', 'Drop Table'],
  ])('a bad %s (%s) fails naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`\\b${name}\\b`));
  });
});
