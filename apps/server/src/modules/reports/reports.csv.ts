/** Reports as CSV for a spreadsheet (docs/adr/0020-report-definitions.md, "CSV"). */
import type { ReportKind, ReportRow } from './reports.js';

const CSV_COLUMNS = [
  'offered',
  'answered',
  'answered_within_sl',
  'abandoned',
  'abandoned_after_sl',
  'short_abandoned',
  'service_level',
  'asa_seconds',
  'handled',
  'aht_seconds',
  'total_handle_seconds',
  'wrap_up_seconds',
  'occupancy',
  'first_response_seconds',
  'resolution_seconds',
  'csat_average',
  'csat_count',
] as const;

function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading = + - @ would be a formula in a spreadsheet (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** One line per bucket, subject and channel; dispositions as `code=count` joined by `;`. */
export function toCsv(kind: ReportKind, rows: readonly ReportRow[]): string {
  const subject = kind === 'queues' ? ['queue_id', 'queue_name'] : ['agent_id', 'agent_name'];
  const header = ['bucket_start', ...subject, 'channel', ...CSV_COLUMNS, 'dispositions'];
  const lines = [header.join(',')];
  for (const row of rows) {
    const dispositions = Object.entries(row.dispositions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, count]) => `${code}=${count}`)
      .join(';');
    lines.push(
      [row.bucket_start, row.subject_id, row.subject_name, row.channel, ...CSV_COLUMNS.map((c) => row[c]), dispositions]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
