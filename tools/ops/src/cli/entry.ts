import { runCli } from './main';

/**
 * Runs the CLI on this process's arguments, with `leading` in front (the command an npm script fixes).
 * Ctrl-C ends `tail --follow` cleanly; a second one exits at once.
 */
export function main(leading: string[] = []): void {
  const controller = new AbortController();
  // `... | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  runCli([...leading, ...process.argv.slice(2)], {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  }).then(
    (code) => exit(code),
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      exit(1);
    },
  );
}

/**
 * Exits once the output is flushed. Not just setting the exit code: after a failed connection kafkajs
 * keeps retry timers alive for half a minute.
 */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
