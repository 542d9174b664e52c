#!/usr/bin/env node
import { provisionRoles, stackDown, stackEnv, stackStatus, stackUp } from './stack';
import { ensureTopics } from './topics';
import { StackError } from './kafka';
import { ConfigError } from '@orderflow/runtime';
import { ensurePostgres } from './dependencies';
import { formatTable } from './table';
import { stackPaths } from './paths';
import { servicesDown, servicesStatus, servicesUp } from './services';

const USAGE = `usage: orderflow-stack <command>
  up        start Kafka (KRaft) and the schema registry if they are not running; check PostgreSQL and Redis
  down      stop what "up" started (--purge also deletes Kafka's data and logs)
  status    one line per component; exit 3 if any is down
  topics    create or update every topic of the catalogue (idempotent)
  roles     create or repair each service's Postgres role and schema (idempotent; "up" runs it too)
  ensure    up + topics, quietly (what npm test runs first)
  services up|down|status
            start every built service in the background and wait for /readyz; stop them (SIGTERM,
            they drain and commit); or show each one's readiness`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = stackEnv();
  const say = (line: string): void => console.log(line);
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stackUp(env, say);
      printStatus(await stackStatus(env));
      console.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'ensure': {
      const started = Date.now();
      await stackUp(env, say);
      await ensureTopics(env.brokers, env.kafkaSecurity);
      console.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down':
      await stackDown(say, { purge: rest.includes('--purge') });
      return 0;
    case 'status': {
      const statuses = await stackStatus(env);
      printStatus(statuses);
      return statuses.every((s) => s.up) ? 0 : 3;
    }
    case 'topics': {
      const results = await ensureTopics(env.brokers, env.kafkaSecurity);
      console.log(
        formatTable(
          ['topic', 'partitions', 'action', 'note'],
          results.map((r) => [r.topic, String(r.partitions), r.action, r.note ?? '']),
        ),
      );
      return 0;
    }
    case 'roles': {
      const postgres = await ensurePostgres(env.databaseUrl);
      if (!postgres.ok) throw new StackError(postgres.detail);
      const results = await provisionRoles(env);
      console.log(
        formatTable(
          ['role', 'schema', 'changes'],
          results.map((r) => [r.role, r.schema, r.changes.join(', ') || 'unchanged']),
        ),
      );
      return 0;
    }
    case 'services':
      return servicesCommand(rest[0]);
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 64;
  }
}

async function servicesCommand(action: string | undefined): Promise<number> {
  const paths = stackPaths();
  const say = (line: string): void => console.log(line);
  if (action === 'up') {
    const started = Date.now();
    await servicesUp(paths, say);
    console.log(`services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else if (action === 'down') {
    await servicesDown(paths, say);
    return 0;
  } else if (action !== 'status') {
    console.error(USAGE);
    return 64;
  }
  const statuses = await servicesStatus(paths);
  console.log(
    formatTable(
      ['service', 'url', 'state', 'pid'],
      statuses.map((s) => [
        s.name,
        `http://127.0.0.1:${s.port}`,
        s.ready ? 'ready' : 'NOT READY',
        s.pid ? String(s.pid) : 'external',
      ]),
    ),
  );
  return statuses.every((s) => s.ready) ? 0 : 3;
}

function printStatus(statuses: Awaited<ReturnType<typeof stackStatus>>): void {
  console.log(
    formatTable(
      ['component', 'state', 'address', 'run by', 'detail'],
      statuses.map((s) => [s.component, s.up ? 'up' : 'DOWN', s.address, s.owner, s.detail]),
    ),
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Operational failures get one line that says what to do; anything else keeps its stack for a bug report.
    console.error(
      error instanceof StackError || error instanceof ConfigError ? `stack: ${error.message}` : error,
    );
    process.exit(1);
  },
);
