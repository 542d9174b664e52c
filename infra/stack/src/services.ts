import fs from 'node:fs';
import path from 'node:path';
import type { StackPaths } from './paths';
import { ownedPid, portOpen, spawnDetached, stopPid, tail, waitUntil } from './processes';
import { StackError } from './kafka';
import {
  adminDatabaseUrl,
  databaseOwners,
  ownerDatabaseUrl,
  provisionDatabaseRoles,
  type DatabaseAccess,
} from './roles';

/** The long-running services and their fixed ports (DESIGN.md); those not built yet are skipped. */
export const SERVICE_PORTS = {
  orders: 3001,
  inventory: 3002,
  payments: 3003,
  refunds: 3004,
  notifier: 3005,
  analytics: 3006,
} as const;

export type ServiceName = keyof typeof SERVICE_PORTS;

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  main: string;
  log: string;
  pidFile: string;
}

export function serviceProcesses(paths: StackPaths): ServiceProcess[] {
  return (Object.keys(SERVICE_PORTS) as ServiceName[])
    .map((name) => ({
      name,
      port: Number(process.env[`${name.toUpperCase()}_PORT`] || SERVICE_PORTS[name]),
      main: path.join(paths.root, 'services', name, 'dist', 'main.js'),
      log: path.join(paths.state, 'logs', `${name}.log`),
      pidFile: path.join(paths.state, 'pids', `${name}.pid`),
    }))
    .filter((service) => fs.existsSync(path.join(paths.root, 'services', service.name, 'package.json')));
}

export async function serviceReady(port: number): Promise<{ ready: boolean; body?: unknown }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    return { ready: response.status === 200, body: await response.json().catch(() => undefined) };
  } catch {
    return { ready: false };
  }
}

/**
 * Starts every built service in the background (logs and pids under .stack/) and waits until each
 * answers /readyz. A service already running (ours or not) on its port is left alone.
 *
 * Each service reaches Postgres as its own role (`orderflow_<name>`, provisioned first, see roles.ts) on
 * the server and database of DATABASE_URL, unless `<NAME>_DATABASE_URL` gives its URL; a service given a
 * private DB_SCHEMA (isolated tests and demo runs) keeps DATABASE_URL itself, since its role can use only
 * the schema named after it.
 */
export async function servicesUp(
  paths: StackPaths,
  say: (line: string) => void,
  options: {
    env?: NodeJS.ProcessEnv;
    /** Extra variables for one service (its DB_SCHEMA, say), on top of `env`. */
    envFor?: (name: ServiceName) => NodeJS.ProcessEnv;
    timeoutMs?: number;
    only?: ServiceName[];
  } = {},
): Promise<void> {
  const services = serviceProcesses(paths).filter((s) => !options.only || options.only.includes(s.name));
  const adminUrl = adminDatabaseUrl({ ...process.env, ...options.env });
  const owners = new Map(databaseOwners(Object.keys(SERVICE_PORTS)).map((o) => [o.name, o]));
  const toStart: { service: ServiceProcess; env: NodeJS.ProcessEnv; access: DatabaseAccess }[] = [];
  for (const service of services) {
    if (!fs.existsSync(service.main))
      throw new StackError(`${service.name} is not built (${service.main}); run npm run build`);
    if (ownedPid(service.pidFile) !== undefined) continue;
    if (await portOpen('127.0.0.1', service.port)) {
      say(`${service.name}: something already listens on :${service.port}; leaving it`);
      continue;
    }
    const env = { ...process.env, ...options.env, ...options.envFor?.(service.name) };
    const database = ownerDatabaseUrl(owners.get(service.name)!, adminUrl, env);
    toStart.push({
      service,
      env: { ...env, DATABASE_URL: database.url, PORT: String(service.port) },
      access: database.access,
    });
  }
  // Idempotent; it also hands back whatever a service run as the admin created in its schema meanwhile.
  if (toStart.some((s) => s.access === 'role')) {
    await provisionDatabaseRoles(adminUrl, [...owners.values()], { ...process.env, ...options.env });
  }
  const started = new Set<ServiceName>();
  for (const { service, env, access } of toStart) {
    // SERVICE_NODE_ARGS: extra node flags for every service, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    // (flags NODE_OPTIONS refuses) or `--inspect=0`.
    const nodeArgs = (env.SERVICE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const pid = spawnDetached(process.execPath, [...nodeArgs, service.main], {
      logFile: service.log,
      pidFile: service.pidFile,
      env,
    });
    started.add(service.name);
    const as = access === 'role' ? `, as ${owners.get(service.name)!.role}` : '';
    say(
      `started ${service.name} (pid ${pid}, :${service.port}${as}, log ${path.relative(paths.root, service.log)})`,
    );
  }
  await Promise.all(
    services.map((service) =>
      waitUntil(`${service.name} /readyz`, async () => (await serviceReady(service.port)).ready, {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 250,
        failFast: () =>
          started.has(service.name) && ownedPid(service.pidFile) === undefined
            ? `it exited; last lines of ${service.log}:\n${tail(service.log, 15)}`
            : undefined,
      }),
    ),
  );
}

/** SIGTERM to every service this stack started (they drain and commit), SIGKILL after the grace. */
export async function servicesDown(paths: StackPaths, say: (line: string) => void): Promise<void> {
  await Promise.all(
    serviceProcesses(paths).map(async (service) => {
      const pid = ownedPid(service.pidFile);
      if (pid === undefined) return;
      const how = await stopPid(pid, 20_000);
      fs.rmSync(service.pidFile, { force: true });
      say(`${service.name}: ${how} (pid ${pid})`);
    }),
  );
}

export async function servicesStatus(
  paths: StackPaths,
): Promise<{ name: string; port: number; pid?: number; ready: boolean; body?: unknown }[]> {
  return Promise.all(
    serviceProcesses(paths).map(async (service) => {
      const pid = ownedPid(service.pidFile);
      const { ready, body } = await serviceReady(service.port);
      return { name: service.name, port: service.port, ...(pid ? { pid } : {}), ready, body };
    }),
  );
}
