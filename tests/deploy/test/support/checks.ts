// The rules docker-compose.yml must satisfy, as functions returning problems (empty = fine), so that the
// tests can also feed them a deliberately broken file and see them fail.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { allConfigs, SERVICE_PORTS, serviceConfigs, type Env } from './configs';
import {
  argv,
  buildArgsOf,
  buildOf,
  dependsOn,
  environmentOf,
  healthcheckCommand,
  nodeScripts,
  portsOf,
  type ComposeFile,
  type ComposeService,
} from './compose';
import { imageEnv, lastInstruction, type DockerfileModel } from './dockerfile';
import { existsInRepo, filesUnder, readRepoFile, repoPath } from './files';

export interface Deployment {
  compose: ComposeFile;
  dockerfile: DockerfileModel;
}

const HEALTH_PROBE = '/app/docker/healthcheck.cjs';
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\]|0\.0\.0\.0)$/;
const ONE_SHOT_RESTART = new Set([undefined, 'no']);
const CONDITIONS = new Set(['service_healthy', 'service_completed_successfully', 'service_started']);

const entries = (compose: ComposeFile): [string, ComposeService][] => Object.entries(compose.services);

export function isBuilt(service: ComposeService): boolean {
  return buildOf(service) !== undefined;
}

/** A compose service by the image it runs, e.g. 'redpandadata/redpanda'. */
export function serviceByImage(compose: ComposeFile, image: string): string | undefined {
  return entries(compose).find(([, service]) => service.image?.includes(image))?.[0];
}

/** The environment a container starts with: the image's ENV (if built here), then compose's. */
export function containerEnv(deployment: Deployment, name: string): Env {
  const service = deployment.compose.services[name];
  if (!service) throw new Error(`no compose service ${name}`);
  const fromImage = isBuilt(service) ? imageEnv(deployment.dockerfile, buildArgsOf(service)) : {};
  return { ...fromImage, ...environmentOf(service) };
}

export function loadedConfig(deployment: Deployment, name: string): Record<string, unknown> {
  const module = allConfigs[name];
  if (!module) throw new Error(`no config module for ${name}`);
  return module.load(containerEnv(deployment, name));
}

// ---- environment ----

/** Every container built from the Dockerfile has a config module, reads every variable set, and loads. */
export function environmentProblems(deployment: Deployment): string[] {
  const problems: string[] = [];
  for (const [name, service] of entries(deployment.compose)) {
    if (!isBuilt(service)) continue;
    const module = allConfigs[name];
    if (!module) {
      problems.push(`${name}: built from the Dockerfile but no config module is known for it`);
      continue;
    }
    for (const variable of Object.keys(environmentOf(service))) {
      if (!module.variables.includes(variable)) {
        problems.push(`${name}: sets ${variable}, which its config module does not read`);
      }
    }
    try {
      loadedConfig(deployment, name);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return problems;
}

// ---- what each container connects to ----

/** Where each container's code lives, to tell which address variables it actually uses. */
function codeDirs(name: string): string[] {
  if (name in serviceConfigs) return [`services/${name}/src`, 'packages/runtime/src'];
  if (name === 'gateway') return ['services/payments/src/gateway'];
  if (name === 'importer') return ['services/importer/src'];
  if (name === 'init') return ['infra/stack/src', 'packages/contracts/src'];
  return [];
}

const codeCache = new Map<string, string>();
function code(name: string): string {
  let text = codeCache.get(name);
  if (text === undefined) {
    text = codeDirs(name)
      .flatMap((dir) => filesUnder(dir))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.endsWith('/config.ts'))
      .map((file) => readRepoFile(file))
      .join('\n');
    codeCache.set(name, text);
  }
  return text;
}

const ADDRESS_VARIABLES = /^(KAFKA_BROKERS|[A-Z_]+_URL)$/;

interface Address {
  variable: string;
  host: string;
  port: number;
  url?: URL;
}

const DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'smtp:': 25,
};

/** The network addresses a container uses, from its loaded config. */
export function addressesOf(deployment: Deployment, name: string): Address[] {
  const module = allConfigs[name];
  if (!module) return [];
  const config = module.load(containerEnv(deployment, name));
  const used = (variable: string): boolean => new RegExp(`\\b${variable}\\b`).test(code(name));
  const out: Address[] = [];
  for (const variable of module.variables) {
    if (!ADDRESS_VARIABLES.test(variable) || !used(variable)) continue;
    const value = config[variable];
    if (value === undefined) continue;
    if (variable === 'KAFKA_BROKERS') {
      for (const broker of value as string[]) {
        const at = broker.lastIndexOf(':');
        out.push({ variable, host: broker.slice(0, at), port: Number(broker.slice(at + 1)) });
      }
    } else {
      const url = new URL(String(value));
      const port = url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? NaN);
      out.push({ variable, host: url.hostname, port, url });
    }
  }
  return out;
}

function flagValues(args: string[], flag: string): string[] {
  const values: string[] = [];
  args.forEach((arg, index) => {
    if (arg === flag && args[index + 1] !== undefined) values.push(args[index + 1] as string);
    else if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
  });
  return values;
}

interface NamedAddress {
  name?: string;
  host: string;
  port: number;
}

function namedAddresses(list: string[]): NamedAddress[] {
  return list
    .flatMap((item) => item.split(','))
    .map((item) => {
      const match = /^(?:([A-Za-z0-9_-]+):\/\/)?(.+):(\d+)$/.exec(item.trim());
      if (!match) throw new Error(`cannot read address ${item}`);
      return { ...(match[1] ? { name: match[1] } : {}), host: match[2] ?? '', port: Number(match[3]) };
    });
}

/** Redpanda's listeners as its command line sets them. */
export function redpandaListeners(service: ComposeService): {
  kafka: NamedAddress[];
  advertisedKafka: NamedAddress[];
  schemaRegistry: NamedAddress[];
  setOptions: string[];
} {
  const args = argv(service.command);
  return {
    kafka: namedAddresses(flagValues(args, '--kafka-addr')),
    advertisedKafka: namedAddresses(flagValues(args, '--advertise-kafka-addr')),
    schemaRegistry: namedAddresses(flagValues(args, '--schema-registry-addr')),
    setOptions: flagValues(args, '--set'),
  };
}

type Protocol = 'kafka' | 'schema-registry' | 'redpanda-admin' | 'postgres' | 'redis' | 'smtp' | 'http';

/** What a compose service listens on, inside the compose network, as host:port pairs other containers use. */
export function listenersOf(deployment: Deployment, name: string): { protocol: Protocol; port: number }[] {
  const service = deployment.compose.services[name];
  if (!service) return [];
  const image = service.image ?? '';
  if (image.includes('redpandadata/redpanda')) {
    const listeners = redpandaListeners(service);
    return [
      // A client reaches the broker at an advertised address whose listener is bound; only those that
      // advertise this service's own name work from another container.
      ...listeners.advertisedKafka
        .filter((a) => a.host === name && listeners.kafka.some((k) => k.name === a.name && k.port === a.port))
        .map((a) => ({ protocol: 'kafka' as const, port: a.port })),
      ...(listeners.schemaRegistry.length > 0 ? listeners.schemaRegistry : [{ port: 8081 }]).map((a) => ({
        protocol: 'schema-registry' as const,
        port: a.port,
      })),
      { protocol: 'redpanda-admin', port: 9644 }, // default admin API port; the command does not move it
    ];
  }
  if (image.startsWith('postgres:')) return [{ protocol: 'postgres', port: 5432 }];
  if (image.startsWith('redis:')) {
    const port = flagValues(argv(service.command), '--port')[0];
    return [{ protocol: 'redis', port: port ? Number(port) : 6379 }];
  }
  if (image.includes('axllent/mailpit')) {
    return [
      { protocol: 'smtp', port: 1025 },
      { protocol: 'http', port: 8025 },
    ];
  }
  const module = allConfigs[name];
  if (isBuilt(service) && module?.portVariable) {
    return [{ protocol: 'http', port: Number(loadedConfig(deployment, name)[module.portVariable]) }];
  }
  return [];
}

const PROTOCOL_OF: Record<string, Protocol> = {
  KAFKA_BROKERS: 'kafka',
  SCHEMA_REGISTRY_URL: 'schema-registry',
  DATABASE_URL: 'postgres',
  REDIS_URL: 'redis',
  SMTP_URL: 'smtp',
};

/** Every address a container uses names a compose service that listens there, with the right protocol. */
export function addressProblems(deployment: Deployment): string[] {
  const problems: string[] = [];
  for (const [name, service] of entries(deployment.compose)) {
    if (!isBuilt(service)) continue;
    for (const address of addressesOf(deployment, name)) {
      const where = `${name}: ${address.variable} -> ${address.host}:${address.port}`;
      if (LOOPBACK.test(address.host)) {
        problems.push(`${where} is the container itself, not another service (set it in compose)`);
        continue;
      }
      if (!deployment.compose.services[address.host]) {
        problems.push(`${where}: no compose service named ${address.host}`);
        continue;
      }
      const protocol = PROTOCOL_OF[address.variable] ?? 'http';
      const listens = listenersOf(deployment, address.host).some(
        (l) => l.port === address.port && l.protocol === protocol,
      );
      if (!listens) problems.push(`${where}: ${address.host} has no ${protocol} listener on ${address.port}`);
      if (address.variable === 'DATABASE_URL' && address.url) {
        problems.push(...databaseProblems(deployment, name, address.host, address.url));
      }
    }
    const module = allConfigs[name];
    if (module?.hostVariable) {
      const host = loadedConfig(deployment, name)[module.hostVariable];
      if (host !== '0.0.0.0' && host !== '::') {
        problems.push(`${name}: ${module.hostVariable}=${String(host)}; a container must bind 0.0.0.0`);
      }
    }
  }
  return problems;
}

/** The container that provisions the services' Postgres roles (`infra/stack/dist/cli.js roles`). */
export function rolesProvisioner(compose: ComposeFile): string | undefined {
  return entries(compose).find(([, s]) =>
    /\bnode infra\/stack\/dist\/cli\.js roles\b/.test(argv(s.command).join(' ')),
  )?.[0];
}

/**
 * A service logs in as its own role (`orderflow_<name>`), with the password the provisioning container
 * gives that role; anything else (init) as the admin the Postgres container creates.
 */
function databaseProblems(deployment: Deployment, name: string, host: string, url: URL): string[] {
  const env = environmentOf(deployment.compose.services[host] as ComposeService);
  const admin = env['POSTGRES_USER'] ?? 'postgres';
  const database = env['POSTGRES_DB'] ?? admin;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const problems: string[] = [];
  if (name in serviceConfigs) {
    const role = `orderflow_${name}`;
    const provisioner = rolesProvisioner(deployment.compose);
    const variable = `${name.toUpperCase()}_DB_PASSWORD`;
    if (user !== role) {
      problems.push(`${name}: DATABASE_URL user ${user}; a service logs in as its own role, ${role}`);
    } else if (!provisioner) {
      problems.push(`${name}: logs in as ${role}, but no container runs infra/stack/dist/cli.js roles`);
    } else {
      const given = environmentOf(deployment.compose.services[provisioner] as ComposeService)[variable];
      if (!given) problems.push(`${name}: ${provisioner} sets no ${variable}, so ${role} has no password`);
      else if (password !== given) {
        problems.push(`${name}: DATABASE_URL password differs from the ${variable} ${provisioner} sets`);
      }
    }
  } else {
    if (user !== admin) problems.push(`${name}: DATABASE_URL user ${user}, ${host} creates ${admin}`);
    if (password !== (env['POSTGRES_PASSWORD'] ?? '')) {
      problems.push(`${name}: DATABASE_URL password differs from ${host}'s POSTGRES_PASSWORD`);
    }
  }
  if (url.pathname.slice(1) !== database) {
    problems.push(`${name}: DATABASE_URL database ${url.pathname.slice(1)}, ${host} creates ${database}`);
  }
  return problems;
}

// ---- ports ----

/** The six services run, on SERVICE_PORTS, published as such, with PORT and the healthcheck agreeing. */
export function servicePortProblems(deployment: Deployment): string[] {
  const problems: string[] = [];
  for (const [name, port] of Object.entries(SERVICE_PORTS)) {
    const service = deployment.compose.services[name];
    if (!service) {
      problems.push(`${name}: missing from docker-compose.yml`);
      continue;
    }
    if (buildArgsOf(service)['SERVICE'] !== name) {
      problems.push(`${name}: build arg SERVICE=${buildArgsOf(service)['SERVICE']}, expected ${name}`);
    }
    if (environmentOf(service)['PORT'] !== String(port)) {
      problems.push(`${name}: PORT=${environmentOf(service)['PORT']}, SERVICE_PORTS says ${port}`);
    }
    const listening = Number(loadedConfig(deployment, name)['PORT']);
    if (!portsOf(service).some((p) => p.published === port && p.target === listening)) {
      problems.push(`${name}: does not publish ${port}:${listening}`);
    }
  }
  return problems;
}

/** The probe script's fallback ports (docker/healthcheck.cjs exports them). */
export function probeDefaultPorts(): Record<string, number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(repoPath('docker', 'healthcheck.cjs')) as { DEFAULT_PORTS: Record<string, number> })
    .DEFAULT_PORTS;
}

/** The port a healthcheck running the probe script targets, or undefined when it runs something else. */
export function probedPort(deployment: Deployment, name: string, words: string[]): number | undefined {
  const at = words.indexOf(HEALTH_PROBE);
  if (at < 0 || words[at - 1] !== 'node') return undefined;
  const explicit = words[at + 2];
  const env = containerEnv(deployment, name);
  const port = explicit ?? env['PORT'] ?? probeDefaultPorts()[env['SERVICE'] ?? ''];
  return port === undefined ? undefined : Number(port);
}

/** Long-running containers have a healthcheck (their own or the image's); app probes hit their own port. */
export function healthcheckProblems(deployment: Deployment): string[] {
  const problems: string[] = [];
  const imageCheck = lastInstruction(deployment.dockerfile.final, 'HEALTHCHECK');
  for (const [name, service] of entries(deployment.compose)) {
    const oneShot = service.restart === 'no' || (service.profiles?.length ?? 0) > 0;
    const words = healthcheckCommand(service.healthcheck);
    const inherited = service.healthcheck === undefined && isBuilt(service) ? (imageCheck ?? []) : [];
    const command = words.length > 0 ? words : inherited.filter((w) => w !== 'CMD');
    if (command.length === 0) {
      if (!oneShot && !isConsole(service)) problems.push(`${name}: no healthcheck`);
      continue;
    }
    const module = allConfigs[name];
    if (isBuilt(service) && module?.portVariable) {
      const probed = probedPort(deployment, name, command);
      const listening = Number(loadedConfig(deployment, name)[module.portVariable]);
      if (probed !== listening) {
        problems.push(`${name}: healthcheck probes port ${probed}, the service listens on ${listening}`);
      }
    }
  }
  return problems;
}

const isConsole = (service: ComposeService): boolean =>
  (service.image ?? '').includes('redpandadata/console');

// ---- start order ----

/** depends_on: known services, explicit conditions, and everything a container talks to is waited for. */
export function dependencyProblems(deployment: Deployment): string[] {
  const { compose } = deployment;
  const problems: string[] = [];
  const init = entries(compose).find(([, s]) =>
    nodeScripts(argv(s.command)).includes('infra/stack/dist/cli.js'),
  );
  for (const [name, service] of entries(compose)) {
    const deps = dependsOn(service);
    for (const [target, condition] of Object.entries(deps)) {
      const targetService = compose.services[target];
      if (!targetService) {
        problems.push(`${name}: depends on ${target}, which does not exist`);
        continue;
      }
      if (!condition || !CONDITIONS.has(condition)) {
        problems.push(`${name}: depends on ${target} without a condition (service_healthy / _completed_...)`);
      }
      if (condition === 'service_completed_successfully' && !ONE_SHOT_RESTART.has(targetService.restart)) {
        problems.push(`${name}: waits for ${target} to complete, but ${target} restarts`);
      }
      if (condition === 'service_healthy' && healthcheckCommand(targetService.healthcheck).length === 0) {
        const inherited = isBuilt(targetService) && targetService.healthcheck === undefined;
        if (!inherited) problems.push(`${name}: waits for ${target} to be healthy; it has no healthcheck`);
      }
    }
    if (!isBuilt(service)) continue;
    for (const address of addressesOf(deployment, name)) {
      if (address.host === name || !compose.services[address.host]) continue;
      if (deps[address.host] !== 'service_healthy') {
        problems.push(
          `${name}: uses ${address.host} (${address.variable}) without depends_on service_healthy`,
        );
      }
    }
    const usesKafka = addressesOf(deployment, name).some((a) => a.variable === 'KAFKA_BROKERS');
    if (usesKafka && init && init[0] !== name && deps[init[0]] !== 'service_completed_successfully') {
      problems.push(`${name}: uses Kafka but does not wait for ${init[0]} (topics, schemas) to complete`);
    }
  }
  if (!init) problems.push('no service runs infra/stack/dist/cli.js (topics) before the services');
  return problems;
}

// ---- what runs ----

/** Built containers use the Dockerfile, and whatever they run exists in the repository. */
export function commandProblems(deployment: Deployment): string[] {
  const problems: string[] = [];
  for (const [name, service] of entries(deployment.compose)) {
    const build = buildOf(service);
    if (!build) {
      if (!service.image) problems.push(`${name}: neither image nor build`);
      else if (!/:v?\d+\.\d+/.test(service.image))
        problems.push(`${name}: image ${service.image} is not pinned`);
      continue;
    }
    if ((build.context ?? '.') !== '.' || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile') {
      problems.push(`${name}: builds ${build.context}/${build.dockerfile}, not ./Dockerfile`);
    }
    const serviceArg = buildArgsOf(service)['SERVICE'];
    if (serviceArg && !existsInRepo(`services/${serviceArg}/package.json`)) {
      problems.push(`${name}: SERVICE=${serviceArg}, but there is no services/${serviceArg}`);
    }
    const runs = [...argv(service.entrypoint), ...argv(service.command)];
    const scripts =
      runs.length > 0 ? nodeScripts(runs) : serviceArg ? [`services/${serviceArg}/dist/main.js`] : [];
    if (scripts.length === 0) problems.push(`${name}: runs nothing (no SERVICE arg and no node command)`);
    for (const script of scripts) {
      const relative = script.replace(/^\/app\//, '');
      const source = relative.replace(/^(.*?)\/dist\/(.*)\.js$/, '$1/src/$2.ts');
      if (!existsInRepo(source)) problems.push(`${name}: runs ${script}, but ${source} does not exist`);
    }
  }
  return problems;
}

/** Named volumes are declared, bind mounts exist. */
export function volumeProblems(compose: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, service] of entries(compose)) {
    for (const volume of service.volumes ?? []) {
      const source = typeof volume === 'string' ? (volume.split(':')[0] ?? '') : (volume.source ?? '');
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!fs.existsSync(path.resolve(repoPath(), source))) {
          problems.push(`${name}: mounts ${source}, which does not exist`);
        }
      } else if (source && !(compose.volumes && source in compose.volumes)) {
        problems.push(`${name}: uses volume ${source}, not declared under volumes:`);
      }
    }
  }
  return problems;
}

/** The console's mounted config, as the console reads it. */
export function consoleConfig(compose: ComposeFile): { path: string; config: Record<string, unknown> } {
  const name = serviceByImage(compose, 'redpandadata/console');
  const service = name ? compose.services[name] : undefined;
  if (!service) throw new Error('no Redpanda Console service');
  const target = environmentOf(service)['CONFIG_FILEPATH'];
  const mount = (service.volumes ?? [])
    .map((v) => (typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target]))
    .find(([, inside]) => inside === target);
  if (!mount?.[0]) throw new Error(`CONFIG_FILEPATH ${target} is not a mounted file`);
  const file = mount[0].replace(/^\.\//, '');
  return { path: file, config: parseYaml(readRepoFile(file)) as Record<string, unknown> };
}
