import { SERVICES, servicePort, serviceGroup, type ServiceName } from '../config';
import type { OpsContext } from '../context';
import { dlqDepth } from '../dlq/dead-letters';
import { consumerLag } from '../topics/lag';

export interface Readiness {
  /** `ready`: /readyz answered 200; `not ready`: it answered otherwise; `down`: no answer. */
  state: 'ready' | 'not ready' | 'down';
  /** Checks that failed, or why there was no answer. */
  problems: string[];
  body?: ReadyzBody;
}

interface ReadyzBody {
  ready?: boolean;
  checks?: Record<string, { ok?: boolean; details?: Record<string, unknown>; error?: string }>;
}

export interface ServiceStatus {
  service: ServiceName;
  port: number;
  url: string;
  readiness: Readiness;
  group: string;
  /** Total lag of the service's consumer group; null when the group has no offsets and no members. */
  lag: number | null;
  /** Dead letters retained and not replayed (see dlqDepth); null when the DLQ topic does not exist. */
  dlq: { pending: number; retained: number; replayed: number } | null;
  /** Orders only: stuck orders as its stuck-orders worker last counted (/readyz); null if unknown. */
  stuckOrders?: number | null;
}

export async function readiness(url: string, timeoutMs: number): Promise<Readiness> {
  let response: Response;
  try {
    response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const reason =
      cause?.code ??
      ((error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : String(error));
    return { state: 'down', problems: [reason] };
  }
  const body = (await response.json().catch(() => undefined)) as ReadyzBody | undefined;
  if (response.status === 200) return { state: 'ready', problems: [], ...(body ? { body } : {}) };
  const failing = Object.entries(body?.checks ?? {})
    .filter(([, check]) => check.ok !== true)
    .map(([name, check]) => (check.error ? `${name}: ${check.error}` : name));
  return {
    state: 'not ready',
    problems: failing.length > 0 ? failing : [`HTTP ${response.status}`],
    ...(body ? { body } : {}),
  };
}

function stuckCount(body: ReadyzBody | undefined): number | null {
  const count = body?.checks?.stuck_orders?.details?.count;
  return typeof count === 'number' ? count : null;
}

/**
 * One row per service: readiness (its /readyz), the lag of its consumer group, its DLQ depth and, for
 * orders, the stuck-order count its worker reports in /readyz. Kafka facts come from the broker, so they
 * are shown even for a service that is down.
 */
export async function collectStatus(
  ctx: OpsContext,
  options: { services?: ServiceName[] } = {},
): Promise<ServiceStatus[]> {
  const services = options.services ?? SERVICES;
  return Promise.all(
    services.map(async (service): Promise<ServiceStatus> => {
      const port = servicePort(ctx.config, service);
      const url = `http://${ctx.config.OPS_SERVICE_HOST}:${port}`;
      const group = serviceGroup(ctx.config, service);
      const [ready, lags, dlq] = await Promise.all([
        readiness(url, ctx.config.OPS_HTTP_TIMEOUT_MS),
        consumerLag(ctx, { group }),
        dlqDepth(ctx, service),
      ]);
      const lag = lags[0];
      const known = lag !== undefined && (lag.partitions.length > 0 || lag.members > 0);
      return {
        service,
        port,
        url,
        readiness: ready,
        group,
        lag: known ? Number(lag.total) : null,
        dlq: dlq ?? null,
        ...(service === 'orders' ? { stuckOrders: stuckCount(ready.body) } : {}),
      };
    }),
  );
}
