import { errorMessage } from '../errors';

export interface CheckResult {
  ok: boolean;
  details?: Record<string, unknown>;
}

/** One dependency `/readyz` asks about: Postgres reachable, consumer joined, and so on. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<CheckResult>;
}

export interface CheckReport {
  ok: boolean;
  details?: Record<string, unknown>;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckReport>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // `Promise.resolve().then` turns a check that throws synchronously into a rejection like any other.
    const result = await Promise.race([Promise.resolve().then(check.check), timeout]);
    const report: CheckReport = { ok: result.ok === true };
    if (result.details !== undefined) report.details = result.details;
    return report;
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check at once, each bounded by `timeoutMs`, so one hung dependency makes the service
 * "not ready" quickly instead of making the probe itself time out.
 */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs: number = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const reports = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  const byName: Record<string, CheckReport> = {};
  checks.forEach((check, index) => {
    const report = reports[index];
    if (report) byName[check.name] = report;
  });
  return { ready: reports.every((report) => report.ok), checks: byName };
}
