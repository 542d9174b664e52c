#!/usr/bin/env node
import { stackDown, stackEnv, stackStatus, stackUp } from './stack';
import { ensureTopics } from './topics';
import { StackError } from './kafka';
import { formatTable } from './table';

const USAGE = `usage: orderflow-stack <command>
  up        start Kafka (KRaft) and the schema registry if they are not running; check PostgreSQL and Redis
  down      stop what "up" started (--purge also deletes Kafka's data and logs)
  status    one line per component; exit 3 if any is down
  topics    create or update every topic of the catalogue (idempotent)
  ensure    up + topics, quietly (what npm test runs first)`;

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
      await ensureTopics(env.brokers);
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
      const results = await ensureTopics(env.brokers);
      console.log(
        formatTable(
          ['topic', 'partitions', 'action', 'note'],
          results.map((r) => [r.topic, String(r.partitions), r.action, r.note ?? '']),
        ),
      );
      return 0;
    }
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 64;
  }
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
    console.error(error instanceof StackError ? `stack: ${error.message}` : error);
    process.exit(1);
  },
);
