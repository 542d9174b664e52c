// Regenerates src/generated/types.ts from schemas/*.avsc: `npm run codegen -w @orderflow/contracts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateTypes } from './generate-types';

export const SCHEMAS_DIR = path.join(__dirname, '..', 'schemas');
export const TYPES_FILE = path.join(__dirname, '..', 'src', 'generated', 'types.ts');

async function main(): Promise<void> {
  const content = await generateTypes(SCHEMAS_DIR, TYPES_FILE);
  writeFileSync(TYPES_FILE, content);
  console.log(`wrote ${path.relative(process.cwd(), TYPES_FILE)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
