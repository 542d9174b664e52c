import { MultiBar, Presets, type Bar } from 'cli-progress';

export interface ProgressStats {
  rows: number;
  produced: number;
  rejectedRows: number;
  bytes: number;
}

export interface ReportedRow {
  line: number;
  /** Order id (orders) or SKU (stock) when known. */
  key: string | undefined;
  column: string;
  reason: string;
}

export interface ReporterOptions {
  stderr: NodeJS.WritableStream;
  /** Draw a progress bar (a terminal, and not --no-progress). */
  progressBar: boolean;
  totalBytes: number;
  /** What `key` is: "order" or "sku". */
  keyLabel: string;
  /** Rejected rows printed before the rest goes only to the rejects file. */
  maxRejectLines?: number;
  rejectsPath?: string | undefined;
}

/** `line 7 (order A-1): qty must be a whole number from 1 to 10000, got "0"` */
export function formatRejectLine(row: ReportedRow, keyLabel: string): string {
  const where = row.key === undefined ? `line ${row.line}` : `line ${row.line} (${keyLabel} ${row.key})`;
  const subject = row.column === '(order)' ? '' : `${row.column === '(row)' ? 'row' : row.column} `;
  return `${where}: ${subject}${row.reason}`;
}

/**
 * What the operator sees on stderr while an import runs: the first rejected rows, one line each, and on a
 * terminal a progress bar (rows, rows/s, share of the file read). Rejected rows are printed above the bar
 * so neither garbles the other.
 */
export class Reporter {
  private multiBar: MultiBar | undefined;
  private bar: Bar | undefined;
  private startedAt = Date.now();
  private printed = 0;
  private omitted = 0;
  private readonly maxLines: number;

  constructor(private readonly options: ReporterOptions) {
    this.maxLines = options.maxRejectLines ?? 20;
  }

  start(): void {
    this.startedAt = Date.now();
    if (!this.options.progressBar) return;
    this.multiBar = new MultiBar(
      {
        stream: this.options.stderr,
        format:
          ' {bar} {percentage}% | {rows} rows | {rate} rows/s | {produced} orders | {rejected} rejected',
        hideCursor: true,
        clearOnComplete: true,
        gracefulExit: true,
        fps: 5,
      },
      Presets.shades_classic,
    );
    this.bar = this.multiBar.create(Math.max(this.options.totalBytes, 1), 0, {
      rows: 0,
      rate: 0,
      produced: 0,
      rejected: 0,
    });
  }

  progress(stats: ProgressStats): void {
    if (!this.bar) return;
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.bar.update(stats.bytes, {
      rows: stats.rows,
      rate: seconds > 0 ? Math.round(stats.rows / seconds) : 0,
      produced: stats.produced,
      rejected: stats.rejectedRows,
    });
  }

  rejected(row: ReportedRow): void {
    if (this.printed >= this.maxLines) {
      this.omitted += 1;
      return;
    }
    this.printed += 1;
    const text = `${formatRejectLine(row, this.options.keyLabel)}\n`;
    if (this.multiBar) this.multiBar.log(text);
    else this.options.stderr.write(text);
  }

  stop(): void {
    if (this.multiBar) {
      this.multiBar.stop();
      this.multiBar = undefined;
      this.bar = undefined;
    }
    if (this.omitted > 0) {
      const where = this.options.rejectsPath
        ? `see ${this.options.rejectsPath}`
        : 'use --rejects <file.csv> to get them all';
      this.options.stderr.write(`... ${this.omitted} more rejected row(s) (${where})\n`);
    }
  }
}
