import { formatTable } from '@orderflow/stack';
import { jsonReplacer, type MessageView } from '../kafka/message-view';
import type { TopicInfo } from '../topics/list';
import type { GroupLag } from '../topics/lag';
import type { ServiceStatus } from '../status/status';
import type { DeadLetter } from '../dlq/dead-letters';
import type { ReplayOutcome } from '../dlq/replay';
import type { VerifyReport } from '../verify/run-verify';

/** Tables are laid out for a terminal this wide. */
export const WIDTH = 100;

export function clip(text: string, max: number): string {
  if (max <= 1) return text.slice(0, Math.max(0, max));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `formatTable` with the last column clipped so no line is wider than `width`. */
export function table(headers: string[], rows: string[][], width = WIDTH): string {
  const last = headers.length - 1;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const before = widths.slice(0, last).reduce((sum, w) => sum + w + 2, 0);
  const room = Math.max(headers[last]!.length, width - before);
  return formatTable(
    headers,
    rows.map((row) => row.map((cell, i) => (i === last ? clip(cell, room) : cell))),
  );
}

export function duration(ms: string | undefined): string {
  if (ms === undefined) return '';
  const value = Number(ms);
  if (!Number.isFinite(value) || value < 0) return 'forever';
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (value >= size && value % size === 0) return `${value / size}${unit}`;
  }
  return `${value}ms`;
}

function retentionOf(topic: TopicInfo): string {
  const policy = topic.cleanupPolicy ?? '?';
  return policy.includes('delete') ? `${policy} ${duration(topic.retentionMs)}` : policy;
}

export function prefixNote(prefix: string): string {
  return prefix ? `TOPIC_PREFIX=${prefix} (names below are shown without it)\n` : '';
}

export function topicsTable(topics: TopicInfo[]): string {
  if (topics.length === 0) return 'no topics';
  return table(
    ['topic', 'parts', 'end total', 'retained', 'cleanup', 'end offset per partition'],
    topics.map((t) => [
      t.topic,
      String(t.partitions),
      t.endTotal,
      t.retained,
      retentionOf(t),
      t.endOffsets.join(' '),
    ]),
  );
}

export function lagReport(groups: GroupLag[]): string {
  if (groups.length === 0) return 'no consumer groups';
  return groups
    .map((g) => {
      const members = `${g.members} member${g.members === 1 ? '' : 's'}`;
      const head = `group ${g.group} (${g.state}, ${members}): lag ${g.total}`;
      if (g.partitions.length === 0) return `${head}\n  no committed offsets and no assignment`;
      const body = table(
        ['topic', 'partition', 'committed', 'end', 'lag'],
        g.partitions.map((p) => [p.topic, String(p.partition), p.committed ?? '-', p.end, p.lag]),
        WIDTH - 2,
      );
      return `${head}\n${body
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n')}`;
    })
    .join('\n\n');
}

function shortHeaders(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}=${clip(value, 40)}`)
    .join(', ');
}

/** One message for people: a summary line, its headers, its value as pretty JSON (or its bytes). */
export function messageText(view: MessageView): string {
  const lines = [
    `${view.topic}  partition ${view.partition}  offset ${view.offset}  ${view.timestamp}  key ${view.key ?? '(none)'}`,
  ];
  const headers = shortHeaders(view.headers);
  if (headers) lines.push(clip(`  headers: ${headers}`, WIDTH));
  const value = view.value;
  if (value.kind === 'avro') {
    lines.push(
      ...JSON.stringify(value.value, jsonReplacer, 2)
        .split('\n')
        .map((line) => `  ${line}`),
    );
  } else if (value.kind === 'null') {
    lines.push('  (no value: tombstone)');
  } else {
    lines.push(`  (not decoded: ${value.note})`);
    lines.push(value.utf8 !== undefined ? `  utf8: ${value.utf8}` : `  base64: ${value.base64}`);
  }
  return lines.join('\n');
}

/** One message as one JSON line, for piping into jq. */
export function messageJson(view: MessageView): string {
  const { value, ...rest } = view;
  const body =
    value.kind === 'avro'
      ? { schema_id: value.schemaId, value: value.value }
      : value.kind === 'null'
        ? { value: null }
        : {
            value: null,
            note: value.note,
            ...(value.utf8 !== undefined ? { value_utf8: value.utf8 } : {}),
            value_base64: value.base64,
          };
  return JSON.stringify({ ...rest, ...body }, jsonReplacer);
}

function readiness(status: ServiceStatus): string {
  return status.readiness.state;
}

export function statusTable(rows: ServiceStatus[]): string {
  return table(
    ['service', 'port', 'ready', 'lag', 'dlq', 'stuck', 'problems'],
    rows.map((row) => [
      row.service,
      String(row.port),
      readiness(row),
      row.lag === null ? '-' : String(row.lag),
      row.dlq === null ? '-' : String(row.dlq.pending),
      row.service === 'orders' ? (row.stuckOrders == null ? '?' : String(row.stuckOrders)) : '',
      row.readiness.problems.join('; '),
    ]),
  );
}

function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
    .replace(/Z$/, '');
}

export function deadLettersReport(
  dlqTopic: string,
  letters: DeadLetter[],
  shown: DeadLetter[],
  prefixLess: (topic: string) => string,
): string {
  const replayed = letters.filter((l) => l.replayed).length;
  const head = `${prefixLess(dlqTopic)}: ${letters.length} dead letter${letters.length === 1 ? '' : 's'}, ${replayed} replayed${
    shown.length < letters.length ? ` (the last ${shown.length} shown)` : ''
  }`;
  if (shown.length === 0) return head;
  const rows = shown.map((l) => [
    l.ref,
    shortTime(l.failedAt),
    l.origin ? `${l.origin.logical} ${l.origin.partition}@${l.origin.offset}` : '?',
    l.errorCode ?? '?',
    l.key ?? '',
    l.replayed ? `yes ${shortTime(l.replayed.replayed_at).slice(5, 16)}` : l.replayOf ? 'no (again)' : 'no',
  ]);
  const details = shown.map((l) =>
    clip(`  ${l.ref}  event ${l.eventId ?? '(not decodable)'}  ${l.errorMessage ?? ''}`, WIDTH),
  );
  return [
    head,
    table(['ref', 'failed at (UTC)', 'origin', 'error', 'key', 'replayed'], rows),
    '',
    'event ids and errors:',
    ...details,
  ].join('\n');
}

export function replayReport(outcomes: ReplayOutcome[], prefixLess: (topic: string) => string): string {
  if (outcomes.length === 0) return 'nothing to replay';
  const sent = outcomes.filter((o) => o.action === 'replayed').length;
  const rows = outcomes.map((o) => [
    o.letter.ref,
    o.letter.eventId ?? '(not decodable)',
    o.action,
    o.action === 'replayed'
      ? `${prefixLess(o.record.target_topic)} ${o.record.target_partition}@${o.record.target_offset}`
      : o.action === 'would replay'
        ? `${o.letter.origin?.logical ?? '?'}`
        : o.reason,
  ]);
  const planned = outcomes.filter((o) => o.action === 'would replay').length;
  const summary = planned > 0 ? `${planned} would be replayed (dry run: nothing sent)` : `${sent} replayed`;
  return `${table(['ref', 'event id', 'action', 'sent to / note'], rows)}\n${summary}`;
}

/** verify: one row per invariant, then the first violations of each that failed. */
export function verifyReport(report: VerifyReport): string {
  const scope = report.scope.restricted
    ? `${report.scope.checked_orders} of ${report.scope.placed_orders} placed orders (restricted)`
    : `${report.scope.placed_orders} placed orders`;
  const head = [
    `${prefixNote(report.topics.prefix)}checked ${scope}; schemas ${Object.values(report.schemas).join(', ')}; ` +
      `analytics ${report.analytics.key_prefix}:${report.analytics.generation ?? '(no data)'}`,
  ];
  if (report.scope.not_placed > 0)
    head.push(`${report.scope.not_placed} ids of the file were never placed (not judged)`);
  const rows = report.invariants.map((inv) => [
    inv.name,
    inv.ok ? 'PASS' : 'FAIL',
    String(inv.checked),
    String(inv.violationCount),
    inv.violations
      .slice(0, 3)
      .map((v) => v.id)
      .join(', '),
  ]);
  const body = table(['invariant', 'result', 'checked', 'violations', 'first violations'], rows);
  const details: string[] = [];
  for (const inv of report.invariants) {
    if (inv.ok && inv.notes.length === 0) continue;
    if (!inv.ok)
      details.push('', `${inv.name}: ${inv.violationCount} violation${inv.violationCount === 1 ? '' : 's'}`);
    for (const v of inv.violations) details.push(clip(`  ${v.id}  ${v.problem}`, WIDTH));
    if (!inv.ok) for (const note of inv.notes) details.push(`  (${note})`);
  }
  const failed = report.invariants.filter((i) => !i.ok).length;
  const summary =
    failed === 0 ? 'all invariants hold' : `${failed} invariant${failed === 1 ? '' : 's'} FAILED`;
  return [...head, body, ...details, '', `${summary} (${(report.elapsed_ms / 1000).toFixed(1)} s)`].join(
    '\n',
  );
}
