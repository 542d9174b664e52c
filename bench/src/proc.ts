// Process measurements from /proc (Linux): CPU seconds and peak resident memory of a running process,
// and a child run under /usr/bin/time for one that exits before it can be read.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

export interface ProcUsage {
  cpuSeconds: number;
  /** VmHWM: peak resident set size so far, in MB. */
  peakRssMb: number;
}

/** utime + stime from a /proc/<pid>/stat line (the fields after the parenthesised command). */
export function cpuSecondsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After ")": state is field 3 of the man page; utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** VmHWM from /proc/<pid>/status text, in MB (NaN when missing). */
export function peakRssMbOfStatus(status: string): number {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : Number.NaN;
}

export function procUsage(pid: number): ProcUsage | undefined {
  try {
    return {
      cpuSeconds: cpuSecondsOfStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')),
      peakRssMb: peakRssMbOfStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8')),
    };
  } catch {
    return undefined;
  }
}

const TIME = '/usr/bin/time';

export interface TimedExit {
  code: number | null;
  stdout: string;
  wallMs: number;
  /** From /usr/bin/time when present, else the last VmHWM polled while it ran. */
  peakRssMb: number;
  cpuSeconds: number;
}

/**
 * Runs `node <args>` to its end, collecting stdout, and measures its peak RSS and CPU time. `onChild`
 * gets the child (to kill it on Ctrl-C).
 */
export async function runMeasured(
  args: string[],
  options: SpawnOptions,
  onChild: (child: ChildProcess | undefined) => void = () => undefined,
): Promise<TimedExit> {
  const withTime = fs.existsSync(TIME);
  const timeFile = path.join(os.tmpdir(), `bench-time-${process.pid}-${Date.now()}.txt`);
  const command = withTime ? TIME : process.execPath;
  const argv = withTime ? ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...args] : args;
  const started = Date.now();
  // Its own process group, so that stopping it (killGroup) also ends the node under /usr/bin/time.
  const child = spawn(command, argv, { ...options, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  onChild(child);
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let polled: ProcUsage | undefined;
  const poll = withTime
    ? undefined
    : setInterval(() => {
        if (child.pid !== undefined) polled = procUsage(child.pid) ?? polled;
      }, 50);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exit) => resolve(exit));
  });
  if (poll) clearInterval(poll);
  onChild(undefined);
  const wallMs = Date.now() - started;
  if (withTime) {
    const text = fs.readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
    fs.rmSync(timeFile, { force: true });
    const [kb, user, sys] = text.split(' ').map(Number);
    return {
      code,
      stdout,
      wallMs,
      peakRssMb: Math.round(((kb ?? Number.NaN) / 1024) * 10) / 10,
      cpuSeconds: (user ?? 0) + (sys ?? 0),
    };
  }
  return {
    code,
    stdout,
    wallMs,
    peakRssMb: polled?.peakRssMb ?? Number.NaN,
    cpuSeconds: polled?.cpuSeconds ?? Number.NaN,
  };
}

/** SIGTERM to a child started by runMeasured and everything in its process group. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
