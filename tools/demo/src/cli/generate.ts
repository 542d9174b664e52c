#!/usr/bin/env node
// `npm run generate -- --orders N --seed S ...`: writes a matching stock.csv and orders.csv.
import path from 'node:path';
// Only the paths module: the package's index also loads the Kafka, Postgres and Redis clients.
import { stackPaths } from '@orderflow/stack/dist/paths';
import { generate, validateOptions } from '../generate/generator';
import { GENERATE_USAGE, parseGenerateArgs, UsageError } from '../generate/options';
import { describeResult } from '../generate/summary';

async function main(argv: string[]): Promise<number> {
  // npm runs scripts from the repository root; INIT_CWD is where the user typed the command.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const options = parseGenerateArgs(argv, {
    cwd,
    outDir: path.join(stackPaths().state, 'generated'),
  });
  if (options.help) {
    console.log(GENERATE_USAGE);
    return 0;
  }
  try {
    validateOptions(options);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const result = await generate(options);
  for (const line of describeResult(result, options.notAfter, cwd)) console.log(line);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`generate: ${error.message}\n${GENERATE_USAGE}`);
      process.exit(64);
    }
    console.error(`generate: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
