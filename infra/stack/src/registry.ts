import fs from 'node:fs';
import type { StackPaths } from './paths';
import { ownedPid, spawnDetached, tail, waitUntil } from './processes';
import { StackError } from './kafka';

export async function registryReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/subjects', url), { signal: AbortSignal.timeout(1500) });
    return response.ok;
  } catch {
    return false;
  }
}

export function startRegistryProcess(paths: StackPaths, url: string, databaseUrl: string): number {
  if (!fs.existsSync(paths.registryMain)) {
    throw new StackError(`the schema registry is not built (${paths.registryMain}); run npm run build first`);
  }
  const parsed = new URL(url);
  return spawnDetached(process.execPath, [paths.registryMain], {
    logFile: paths.registryLog,
    pidFile: paths.registryPid,
    env: { ...process.env, PORT: parsed.port || '8081', HOST: parsed.hostname, DATABASE_URL: databaseUrl },
  });
}

export async function waitForRegistry(paths: StackPaths, url: string, timeoutMs: number): Promise<void> {
  await waitUntil('schema registry', () => registryReady(url), {
    timeoutMs,
    failFast: () =>
      ownedPid(paths.registryPid) === undefined
        ? `it exited; last lines of ${paths.registryLog}:\n${tail(paths.registryLog, 20)}`
        : undefined,
  });
}
