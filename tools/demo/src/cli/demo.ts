#!/usr/bin/env node
// `npm run demo`: everything up, a data set through the saga, the outcomes, KPIs and leaderboard; then
// in the foreground until Ctrl-C (which stops what the demo started), or `--detach` to leave it running.
import { StackError } from '@orderflow/stack';
import { UsageError } from '../generate/options';
import { DemoAborted, DemoError } from '../demo/http';
import { DEMO_USAGE, parseDemoArgs, type DemoOptions } from '../demo/options';
import { cleanupIsolated, Demo } from '../demo/run-demo';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

function describeStarted(demo: Demo): string {
  const parts: string[] = demo.started.services.map((s) => s.name);
  if (demo.started.registry !== undefined) parts.push('schema registry');
  if (demo.started.kafka !== undefined) parts.push('Kafka');
  return parts.join(', ');
}

async function main(argv: string[]): Promise<number> {
  const options: DemoOptions = parseDemoArgs(argv, process.env.INIT_CWD ?? process.cwd());
  if (options.help) {
    say(DEMO_USAGE);
    return 0;
  }
  if (options.cleanup && options.isolate) {
    say(`cleaning up the isolated run "${options.isolate}"`);
    await cleanupIsolated(options.isolate, say);
    return 0;
  }

  const controller = new AbortController();
  const demo = new Demo(
    options,
    { say, write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true },
    controller.signal,
  );
  let firstSignalAt: number | undefined;
  let wakeForeground: (() => void) | undefined;
  const onSignal = (name: string): void => {
    // `npm run` forwards the terminal's Ctrl-C to its child, which got it from the terminal too: a second
    // signal within a second is the same keypress.
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      say(`\n${name} again: quitting without waiting`);
      process.exit(130);
    }
    firstSignalAt = Date.now();
    controller.abort();
    wakeForeground?.();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const started = Date.now();
  try {
    await demo.run();
  } catch (error) {
    if (error instanceof DemoAborted || controller.signal.aborted) {
      say('\ninterrupted: stopping what the demo started');
      await demo.stop();
      return 130;
    }
    // Operational failures (a service not ready, Kafka unreachable, an import failing) read best as one
    // line; DEMO_DEBUG=1 shows the stack of anything else.
    const known = error instanceof DemoError || error instanceof StackError || error instanceof UsageError;
    const message =
      error instanceof Error
        ? !known && process.env.DEMO_DEBUG
          ? String(error.stack)
          : error.message
        : String(error);
    console.error(`\ndemo: ${message}`);
    if (options.detach) {
      if (demo.startedAnything) say(`left running for a look at the logs: ${describeStarted(demo)}`);
    } else if (demo.startedAnything) {
      say('stopping what the demo started');
      await demo.stop({ keepIsolatedData: true });
    }
    return 1;
  }
  say(`\ndemo ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  if (options.detach) {
    const isolated = demo.isolationName;
    say(
      isolated
        ? `left running. Stop and remove it: npm run demo -- --isolate ${isolated} --cleanup`
        : 'left running. Stop it: npm run services:down && npm run stack:down',
    );
    return 0;
  }
  if (!demo.startedAnything) {
    say('everything was already running before the demo, so it has nothing of its own to stop; exiting.');
    return 0;
  }
  say(`Ctrl-C to stop what the demo started (${describeStarted(demo)}).`);
  if (!controller.signal.aborted) {
    // A signal handler alone does not keep Node running; the timer does, until the signal comes.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    await new Promise<void>((resolve) => (wakeForeground = resolve));
    clearInterval(keepAlive);
  }
  say('\nstopping what the demo started');
  await demo.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`demo: ${error.message}\n${DEMO_USAGE}`);
      process.exit(64);
    }
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
