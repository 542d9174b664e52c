#!/usr/bin/env node
// `npm run bench -- --orders N ...`: see bench/README.md. Exit 0 when every step ran (targets met or
// not: the table says), 1 when a step failed, 64 on a usage error, 130 when interrupted.
import path from 'node:path';
import { repoRoot } from '@orderflow/stack';
import { Aborted, Benchmark } from './bench';
import { BENCH_USAGE, parseBenchArgs, UsageError } from './options';

async function main(): Promise<number> {
  const root = repoRoot(__dirname);
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2), {
      cwd: process.env.INIT_CWD ?? process.cwd(),
      outDir: path.join(root, 'bench', 'results'),
    });
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n${BENCH_USAGE}`);
      return 64;
    }
    throw error;
  }
  if (options.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    console.error('\ninterrupted: stopping what the benchmark started (again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bench = new Benchmark(options, (line) => console.log(line), controller.signal, root);
  try {
    await bench.run();
  } catch (error) {
    // The finally below stops what was started before the process leaves.
    if (error instanceof Aborted || controller.signal.aborted) return 130;
    bench.result.errors.push(error instanceof Error ? error.message : String(error));
  } finally {
    await bench.cleanup();
  }
  const written = bench.write();
  console.log(`\n${written.text}`);
  console.log(`wrote ${path.relative(root, written.json)} and ${path.relative(root, written.markdown)}`);
  return bench.result.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
