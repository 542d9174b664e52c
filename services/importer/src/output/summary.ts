export interface ImportSummary {
  kind: 'orders' | 'stock';
  file: string;
  layout: string;
  importId: string;
  topic: string;
  dryRun: boolean;
  interrupted: boolean;
  /** Data rows read (header and blank lines not counted). */
  rowsRead: number;
  /** Events Kafka acknowledged (0 on a dry run). */
  produced: number;
  /** Orders (or stock rows) that passed validation, produced or not. */
  valid: number;
  rowsRejected: number;
  /** Orders rejected (for stock: equal to rowsRejected). */
  rejected: number;
  elapsedMs: number;
}

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_REJECTED_ROWS = 2;
export const EXIT_INTERRUPTED = 130;

export function exitCodeOf(summary: ImportSummary): number {
  if (summary.interrupted) return EXIT_INTERRUPTED;
  return summary.rowsRejected > 0 ? EXIT_REJECTED_ROWS : EXIT_OK;
}

function rate(rows: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((rows * 1000) / elapsedMs) : rows;
}

/** The end-of-run report for stdout: a title line, then aligned "what  how many" lines. */
export function formatSummary(summary: ImportSummary): string {
  const unit = summary.kind === 'orders' ? 'orders' : 'stock levels';
  const title = summary.dryRun
    ? `dry run of ${summary.file} (${summary.layout}): validated, nothing produced`
    : `${summary.interrupted ? 'interrupted import' : 'imported'} ${summary.file} (${summary.layout}) to ${summary.topic}`;
  const rows: [string, string][] = [
    ['rows read', String(summary.rowsRead)],
    summary.dryRun
      ? [`${unit} valid`, String(summary.valid)]
      : [`${unit} produced`, String(summary.produced)],
    ['rows rejected', String(summary.rowsRejected)],
  ];
  if (summary.kind === 'orders') rows.push(['orders rejected', String(summary.rejected)]);
  rows.push(
    ['elapsed', `${(summary.elapsedMs / 1000).toFixed(2)} s`],
    ['rows/s', String(rate(summary.rowsRead, summary.elapsedMs))],
    ['import id', summary.importId],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  return [title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}
