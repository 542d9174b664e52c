// `node bench/dist/null-cli.js <orders.csv>`: runs only the null pipeline and prints its numbers.
import path from 'node:path';
import { runNullPipeline } from './null-pipeline';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: null-cli <orders.csv>');
  const result = await runNullPipeline({
    ordersCsv: path.resolve(file),
    repoRoot: path.resolve(__dirname, '../..'),
    say: (line) => console.error(line),
  });
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
