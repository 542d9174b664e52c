// docker-compose.yml, checked offline against the code: no Docker engine runs on the development machines
// or in CI, and `docker compose config` is not installed there either (see docs/docker.md).
import { spawnSync } from 'node:child_process';
import { ConfigError } from '@orderflow/runtime';
import {
  addressProblems,
  commandProblems,
  consoleConfig,
  containerEnv,
  dependencyProblems,
  environmentProblems,
  healthcheckProblems,
  loadedConfig,
  redpandaListeners,
  rolesProvisioner,
  serviceByImage,
  servicePortProblems,
  volumeProblems,
  type Deployment,
} from './support/checks';
import {
  argv,
  dependsOn,
  environmentOf,
  interpolate,
  loadCompose,
  nodeScripts,
  portsOf,
  type ComposeFile,
} from './support/compose';
import { SERVICE_PORTS, serviceConfigs } from './support/configs';
import { loadDockerfile } from './support/dockerfile';
import { repoPath } from './support/files';

const dockerfile = loadDockerfile();
const deploymentWith = (env: Record<string, string | undefined> = {}): Deployment => ({
  compose: loadCompose(env),
  dockerfile,
});
const deployment = deploymentWith();
const { compose } = deployment;

/** A deep copy to break on purpose. */
const broken = (edit: (copy: ComposeFile) => void): Deployment => {
  const copy = structuredClone(compose);
  edit(copy);
  return { compose: copy, dockerfile };
};

const env = (copy: ComposeFile, service: string): Record<string, unknown> =>
  copy.services[service]?.environment as Record<string, unknown>;

const redpanda = serviceByImage(compose, 'redpandadata/redpanda') ?? 'redpanda';

describe('compose variable interpolation (as docker compose does it)', () => {
  test('defaults, required variables and $$', () => {
    expect(interpolate('${A:-x}/${B-y}/${C}/$$HOME/$A', { A: 'a', C: 'c' })).toBe('a/y/c/$HOME/a');
    expect(interpolate('${A:-x}', { A: '' })).toBe('x');
    expect(interpolate('${A-x}', { A: '' })).toBe('');
    expect(interpolate('${A:-${B:-z}}', {})).toBe('z');
    expect(() => interpolate('${A:?set A}', {})).toThrow('required variable A: set A');
  });
});

describe('docker-compose.yml', () => {
  test('runs every service of SERVICE_PORTS, built with its SERVICE, on its port, PORT and published', () => {
    expect(Object.keys(SERVICE_PORTS).sort()).toEqual(Object.keys(serviceConfigs).sort());
    expect(servicePortProblems(deployment)).toEqual([]);
  });

  test("each container's environment is read by its own config module: nothing unknown, everything valid", () => {
    expect(environmentProblems(deployment)).toEqual([]);
  });

  test('with NODE_ENV=production the secrets from the shell reach the services, and are required', () => {
    const secrets = {
      NODE_ENV: 'production',
      API_TOKEN: 'deploy-test-api-token-0123456789',
      WEBHOOK_SECRET: 'deploy-test-webhook-secret-0123456789',
    };
    expect(environmentProblems(deploymentWith(secrets))).toEqual([]);
    expect(loadedConfig(deploymentWith(secrets), 'refunds')['API_TOKEN']).toBe(secrets.API_TOKEN);
    expect(loadedConfig(deploymentWith(secrets), 'gateway')['WEBHOOK_SECRET']).toBe(secrets.WEBHOOK_SECRET);

    // Without them, the services refuse the public dev values, naming the variable.
    const bare = deploymentWith({ NODE_ENV: 'production' });
    for (const [service, variable] of [
      ['payments', 'WEBHOOK_SECRET'],
      ['gateway', 'WEBHOOK_SECRET'],
      ['refunds', 'API_TOKEN'],
      ['notifier', 'API_TOKEN'],
    ] as const) {
      expect(() => loadedConfig(bare, service)).toThrow(ConfigError);
      expect(() => loadedConfig(bare, service)).toThrow(variable);
    }
  });

  test('a misspelt, missing or invalid variable is caught', () => {
    const misspelt = broken((copy) => {
      const orders = env(copy, 'orders');
      orders['KAFKA_BROKER'] = orders['KAFKA_BROKERS'];
      delete orders['KAFKA_BROKERS'];
    });
    expect(environmentProblems(misspelt)).toContain(
      'orders: sets KAFKA_BROKER, which its config module does not read',
    );
    // Without KAFKA_BROKERS the default (127.0.0.1) applies: the container's own loopback.
    expect(addressProblems(misspelt).join('\n')).toMatch(/orders: KAFKA_BROKERS -> 127\.0\.0\.1:9092/);

    const invalid = broken((copy) => {
      env(copy, 'analytics')['ANALYTICS_EVENT_ID_TTL_DAYS'] = '3';
      env(copy, 'notifier')['SMTP_URL'] = 'mailpit:1025';
    });
    expect(environmentProblems(invalid).join('\n')).toMatch(/analytics: .*ANALYTICS_EVENT_ID_TTL_DAYS/);
    expect(environmentProblems(invalid).join('\n')).toMatch(/notifier: .*SMTP_URL/);

    // The image binds 0.0.0.0 (Dockerfile ENV HOST); compose must not undo it.
    const loopback = broken((copy) => (env(copy, 'inventory')['HOST'] = '127.0.0.1'));
    expect(addressProblems(loopback)).toContain('inventory: HOST=127.0.0.1; a container must bind 0.0.0.0');
  });

  test('brokers, registry, database, redis, smtp and gateway URLs name compose services listening there', () => {
    expect(addressProblems(deployment)).toEqual([]);
    expect(loadedConfig(deployment, 'orders')['KAFKA_BROKERS']).toEqual([`${redpanda}:29092`]);
    expect(loadedConfig(deployment, 'analytics')['REDIS_URL']).toBe('redis://redis:6379');

    const wrong = broken((copy) => {
      env(copy, 'orders')['KAFKA_BROKERS'] = `${redpanda}:9092`; // the host's listener, advertised as 127.0.0.1
      env(copy, 'inventory')['SCHEMA_REGISTRY_URL'] = 'http://registry:8081';
      env(copy, 'payments')['DATABASE_URL'] = 'postgres://orderflow_payments:other@postgres:5432/orderflow';
      env(copy, 'refunds')['DATABASE_URL'] = 'postgres://postgres:orderflow@postgres:5432/orderflow';
      env(copy, 'init')['DATABASE_URL'] = 'postgres://postgres:other@postgres:5432/orderflow';
    });
    expect(addressProblems(wrong)).toEqual([
      "init: DATABASE_URL password differs from postgres's POSTGRES_PASSWORD",
      `orders: KAFKA_BROKERS -> ${redpanda}:9092: ${redpanda} has no kafka listener on 9092`,
      'inventory: SCHEMA_REGISTRY_URL -> registry:8081: no compose service named registry',
      'payments: DATABASE_URL password differs from the PAYMENTS_DB_PASSWORD init sets',
      'refunds: DATABASE_URL user postgres; a service logs in as its own role, orderflow_refunds',
    ]);
  });

  test('every service has a healthcheck; the app probes hit their own port', () => {
    expect(healthcheckProblems(deployment)).toEqual([]);
    const wrong = broken((copy) => {
      const orders = copy.services['orders'];
      if (orders?.healthcheck)
        orders.healthcheck = { test: ['CMD', 'node', '/app/docker/healthcheck.cjs', '/readyz', '3002'] };
      delete copy.services['postgres']?.healthcheck;
    });
    expect(healthcheckProblems(wrong)).toEqual([
      'postgres: no healthcheck',
      'orders: healthcheck probes port 3002, the service listens on 3001',
    ]);
  });

  test('depends_on: known services, conditions, and every dependency a container talks to', () => {
    expect(dependencyProblems(deployment)).toEqual([]);
    for (const name of Object.keys(SERVICE_PORTS)) {
      const deps = dependsOn(compose.services[name] ?? {});
      expect({ name, redpanda: deps[redpanda], postgres: deps['postgres'], init: deps['init'] }).toEqual({
        name,
        redpanda: 'service_healthy',
        postgres: 'service_healthy',
        init: 'service_completed_successfully',
      });
    }
    const wrong = broken((copy) => {
      const analytics = copy.services['analytics'];
      if (analytics)
        analytics.depends_on = { init: { condition: 'service_completed_successfully' }, kafka: {} };
    });
    expect(dependencyProblems(wrong)).toEqual([
      'analytics: depends on kafka, which does not exist',
      `analytics: uses ${redpanda} (KAFKA_BROKERS) without depends_on service_healthy`,
      `analytics: uses ${redpanda} (SCHEMA_REGISTRY_URL) without depends_on service_healthy`,
      'analytics: uses postgres (DATABASE_URL) without depends_on service_healthy',
      'analytics: uses redis (REDIS_URL) without depends_on service_healthy',
    ]);
  });

  test('everything is built from ./Dockerfile or a pinned image, and runs files that exist', () => {
    expect(commandProblems(deployment)).toEqual([]);
    expect(volumeProblems(compose)).toEqual([]);
    const wrong = broken((copy) => {
      const gateway = copy.services['gateway'];
      if (gateway) gateway.command = ['node', 'services/payments/dist/gateway/server.js'];
      const console = Object.values(copy.services).find((s) => s.image?.includes('console'));
      if (console) console.image = 'docker.redpanda.com/redpandadata/console:latest';
    });
    expect(commandProblems(wrong)).toEqual([
      'console: image docker.redpanda.com/redpandadata/console:latest is not pinned',
      'gateway: runs services/payments/dist/gateway/server.js, but services/payments/src/gateway/server.ts does not exist',
    ]);
  });

  test('Redpanda: Kafka for containers and for the host (9092), registry on 8081, no topic auto-creation', () => {
    const service = compose.services[redpanda];
    expect(service?.image).toMatch(/^docker\.redpanda\.com\/redpandadata\/redpanda:v2[45]\.\d+\.\d+$/);
    const args = argv(service?.command);
    expect(args.slice(0, 2)).toEqual(['redpanda', 'start']);
    expect(args).toContain('--mode=dev-container');
    const listeners = redpandaListeners(service ?? {});
    const external = listeners.advertisedKafka.find((a) => ['127.0.0.1', 'localhost'].includes(a.host));
    expect(external).toEqual({ name: 'external', host: '127.0.0.1', port: 9092 });
    expect(listeners.kafka).toContainEqual({ name: 'external', host: '0.0.0.0', port: 9092 });
    expect(portsOf(service ?? {})).toEqual(
      expect.arrayContaining([
        { published: 9092, target: 9092 },
        { published: 8081, target: listeners.schemaRegistry[0]?.port },
      ]),
    );
    // dev-container mode enables auto-creation; rpk applies `--set` (a separate argument) after the mode.
    expect(listeners.setOptions).toContain('redpanda.auto_create_topics_enabled=false');
    expect(args.indexOf('--set')).toBeGreaterThan(args.indexOf('--mode=dev-container'));
  });

  test("init provisions the roles, creates the topics and registers the schemas with the project's CLIs", () => {
    const init = compose.services['init'];
    expect(nodeScripts(argv(init?.command))).toEqual([
      'infra/stack/dist/cli.js',
      'infra/stack/dist/cli.js',
      'packages/contracts/dist/cli.js',
    ]);
    expect(argv(init?.command).join(' ')).toMatch(
      /node infra\/stack\/dist\/cli\.js roles && node infra\/stack\/dist\/cli\.js topics && node packages\/contracts\/dist\/cli\.js register/,
    );
    expect(rolesProvisioner(compose)).toBe('init');
    const config = loadedConfig(deployment, 'init') as { stack: { brokers: string[]; registryUrl: string } };
    expect(config.stack).toMatchObject({
      brokers: [`${redpanda}:29092`],
      registryUrl: `http://${redpanda}:8081`,
    });
  });

  test('each service logs in as its own role, with the password init gives that role (from the shell if set)', () => {
    for (const name of Object.keys(SERVICE_PORTS)) {
      const url = new URL(String(loadedConfig(deployment, name)['DATABASE_URL']));
      expect([name, url.username]).toEqual([name, `orderflow_${name}`]);
    }
    // init itself is the admin: it creates the roles and hands them their schemas.
    expect(new URL(String(loadedConfig(deployment, 'init')['DATABASE_URL'])).username).toBe('postgres');
    expect(dependsOn(compose.services['init'] ?? {})['postgres']).toBe('service_healthy');

    const set = deploymentWith({ ORDERS_DB_PASSWORD: 'from-the-shell' });
    expect(addressProblems(set)).toEqual([]);
    expect(String(loadedConfig(set, 'orders')['DATABASE_URL'])).toContain(':from-the-shell@');
    expect(containerEnv(set, 'init')['ORDERS_DB_PASSWORD']).toBe('from-the-shell');

    const unset = broken((copy) => delete env(copy, 'init')['NOTIFIER_DB_PASSWORD']);
    expect(addressProblems(unset)).toEqual([
      'notifier: init sets no NOTIFIER_DB_PASSWORD, so orderflow_notifier has no password',
    ]);
  });

  test('both init CLIs use the broker and registry from the environment, not only a local one', () => {
    const run = (script: string, args: string[], extra: Record<string, string>) =>
      spawnSync(process.execPath, [repoPath(script), ...args], {
        env: { PATH: process.env['PATH'], ...extra },
        encoding: 'utf8',
        timeout: 45_000,
      });
    const registry = run('packages/contracts/dist/cli.js', ['register'], {
      SCHEMA_REGISTRY_URL: 'http://deploy-check.invalid:8081',
    });
    expect(registry.status).toBe(1);
    expect(registry.stderr).toContain('schema registry unreachable at http://deploy-check.invalid:8081');

    const topics = run('infra/stack/dist/cli.js', ['topics'], {
      KAFKA_BROKERS: 'deploy-check.invalid:29092',
    });
    expect(topics.status).toBe(1);
    const output = topics.stdout + topics.stderr;
    expect(output).toContain('deploy-check.invalid');
    expect(output).not.toContain('only a local one can be started here');
  }, 60_000);

  test('Redpanda Console v3 reads the registry, so Avro values show decoded', () => {
    const name = serviceByImage(compose, 'redpandadata/console');
    const service = compose.services[name ?? ''];
    expect(service?.image).toMatch(/:v3\.\d+\.\d+$/);
    expect(portsOf(service ?? {})).toContainEqual({ published: 8080, target: 8080 });
    const { config } = consoleConfig(compose);
    const registryUrl = String(loadedConfig(deployment, 'orders')['SCHEMA_REGISTRY_URL']);
    // v3 moved schemaRegistry out of kafka: to the top level.
    expect(config['schemaRegistry']).toEqual({ enabled: true, urls: [registryUrl] });
    expect(config['kafka']).toEqual({ brokers: loadedConfig(deployment, 'orders')['KAFKA_BROKERS'] });
    const admin = (config['redpanda'] as { adminApi: { urls: string[] } }).adminApi;
    expect(admin.urls).toEqual([`http://${redpanda}:9644`]);
  });

  test('Redis runs with maxmemory-policy noeviction, which analytics requires', () => {
    const args = argv(compose.services['redis']?.command);
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  });

  test('the notifier e-mails through Mailpit, whose UI is on 8025', () => {
    const config = loadedConfig(deployment, 'notifier');
    expect(config['NOTIFY_CHANNELS']).toContain('email');
    expect(config['SMTP_URL']).toBe('smtp://mailpit:1025');
    expect(portsOf(compose.services['mailpit'] ?? {})).toEqual(
      expect.arrayContaining([
        { published: 8025, target: 8025 },
        { published: 1025, target: 1025 },
      ]),
    );
  });

  test('payments uses the standalone gateway; both read the same simulation settings and secret', () => {
    const payments = loadedConfig(deployment, 'payments');
    const gateway = loadedConfig(deployment, 'gateway');
    expect(payments['GATEWAY_EMBEDDED']).toBe(false);
    expect(payments['GATEWAY_URL']).toBe(`http://gateway:${String(gateway['GATEWAY_PORT'])}`);
    // The gateway calls back on payments' public URL: its compose name and its port.
    expect(payments['PAYMENTS_PUBLIC_URL']).toBe(`http://payments:${String(payments['PORT'])}`);
    for (const key of ['WEBHOOK_SECRET', 'PAYMENT_SEED', 'PAYMENT_SUCCESS_RATE', 'PAYMENT_DELAY_MS']) {
      expect({ key, value: gateway[key] }).toEqual({ key, value: payments[key] });
    }
    expect(portsOf(compose.services['gateway'] ?? {})).toContainEqual({ published: 3013, target: 3013 });
  });

  test('the importer runs on demand (tools profile) with the samples mounted as its working folder', () => {
    const importer = compose.services['importer'];
    expect(importer?.profiles).toEqual(['tools']);
    expect(nodeScripts(argv(importer?.entrypoint))).toEqual(['/app/services/importer/dist/cli.js']);
    expect(importer?.volumes).toContain(`./samples:${importer?.working_dir}`);
    expect(dependsOn(importer ?? {})).toEqual({
      [redpanda]: 'service_healthy',
      init: 'service_completed_successfully',
    });
    expect(environmentOf(importer ?? {})['KAFKA_BROKERS']).toBe(`${redpanda}:29092`);
  });

  test('the image sets NODE_ENV=production, compose runs the demo in development unless told otherwise', () => {
    expect(containerEnv(deploymentWith(), 'orders')['NODE_ENV']).toBe('development');
    expect(containerEnv(deploymentWith({ NODE_ENV: 'production' }), 'orders')['NODE_ENV']).toBe('production');
    expect(dockerfile.final.env['NODE_ENV']).toBe('production');
  });
});
