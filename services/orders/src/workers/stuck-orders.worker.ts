import { errorMessage, type Logger, type Pool } from '@orderflow/runtime';
import { Gauge, type Registry } from 'prom-client';
import type { OrderRepository } from '../db/order.repository';

export interface StuckOrdersReport {
  count: number;
  oldest_order_ids: string[];
  after_ms: number;
  checked_at: string;
  error?: string;
}

export interface StuckOrdersWorkerOptions {
  pool: Pool;
  orders: OrderRepository;
  registry: Registry;
  logger: Logger;
  /** Not final this long after the service first heard of it = stuck. */
  afterMs: number;
  intervalMs: number;
}

const OLDEST_SAMPLE = 5;

/**
 * Counts orders that should have finished by now, every `intervalMs`, into a gauge and a report for
 * `/readyz`. A stuck order is a problem to look at, not a reason to take the instance out of service.
 */
export class StuckOrdersWorker {
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;
  private last: StuckOrdersReport;
  private readonly gauge: Gauge;

  constructor(private readonly options: StuckOrdersWorkerOptions) {
    this.gauge = new Gauge({
      name: 'orderflow_orders_stuck',
      help: 'Orders not final ORDER_STUCK_AFTER_MS after the service first heard of them',
      registers: [options.registry],
    });
    this.last = {
      count: 0,
      oldest_order_ids: [],
      after_ms: options.afterMs,
      checked_at: new Date(0).toISOString(),
    };
  }

  report(): StuckOrdersReport {
    return this.last;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      // A slow database must not stack up checks.
      if (!this.refreshing) void this.refresh();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    const checkedAt = new Date().toISOString();
    this.refreshing = true;
    try {
      const { count, oldest } = await this.options.orders.stuck(
        this.options.pool,
        this.options.afterMs,
        OLDEST_SAMPLE,
      );
      this.gauge.set(count);
      // Once per change, not once per check.
      if (count > 0 && count !== this.last.count) {
        this.options.logger.warn({ count, oldestOrderIds: oldest }, 'orders are stuck');
      }
      this.last = { count, oldest_order_ids: oldest, after_ms: this.options.afterMs, checked_at: checkedAt };
    } catch (error) {
      // Keep the last count: Postgres being away is reported by its own readiness check.
      this.last = { ...this.last, error: errorMessage(error) };
      this.options.logger.warn({ err: error }, 'could not count stuck orders');
    } finally {
      this.refreshing = false;
    }
  }
}
