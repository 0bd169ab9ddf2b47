/**
 * Reports by queue or agent for a period of days in a time zone: a bar chart of offered,
 * answered and abandoned per bucket, a service-level line, the period's totals per queue
 * or agent, and the CSV of every bucket for a spreadsheet.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { agentReportSchema, itemLabelsSchema, queueReportSchema } from '@switchboard/contracts';
import { useApi } from '../../app/services';
import { useI18n } from '../../shared/i18n/i18n';
import { Empty, ErrorMessage, Loading } from '../../shared/ui/components';
import { useAsync } from '../../shared/ui/hooks';
import { formatPercent, formatSeconds } from '../wallboard/wallboard-model';
import '../wallboard/wallboard.css';
import {
  bucketLabel,
  defaultPeriod,
  idOf,
  nameOf,
  periodQuery,
  seriesOf,
  type ReportKind,
  type ReportRowDto,
  type SeriesPoint,
} from './reports-model';
import './reports.css';

const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'America/Sao_Paulo';

interface Filter {
  kind: ReportKind;
  fromDate: string;
  toDate: string;
  tz: string;
  interval: 'hour' | 'day';
  /** Only conversations carrying this label; '' for all. */
  labelId: string;
}

export function ReportsPage() {
  const { t } = useI18n();
  const api = useApi();
  const [filter, setFilter] = useState<Filter>(() => {
    const tz = browserTimeZone();
    return { kind: 'queues', tz, interval: 'day', labelId: '', ...defaultPeriod(new Date(), tz) };
  });
  const [draft, setDraft] = useState(filter);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const query = useMemo(
    () => ({
      ...periodQuery(filter, filter.tz),
      interval: filter.interval,
      ...(filter.labelId ? { label_id: filter.labelId } : {}),
    }),
    [filter],
  );
  const labels = useAsync(
    (signal) => api.request('GET', '/api/labels', { schema: itemLabelsSchema, signal }),
    'labels',
  );
  const path = `/api/reports/${filter.kind}`;
  const report = useAsync(
    (signal) =>
      api.request('GET', path, {
        query,
        schema: filter.kind === 'queues' ? queueReportSchema : agentReportSchema,
        signal,
      }),
    `${path}?${JSON.stringify(query)}`,
  );

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilter(draft);
  };

  const download = async () => {
    setDownloadError(null);
    try {
      const search = new URLSearchParams({ ...query, format: 'csv' });
      const blob = await api.blob(`${path}?${search.toString()}`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `switchboard-${filter.kind}-${filter.fromDate}-${filter.toDate}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (failure) {
      setDownloadError(failure);
    }
  };

  const rows = (report.data?.rows ?? []) as ReportRowDto[];
  const totals = (report.data?.totals ?? []) as ReportRowDto[];
  const series = seriesOf(rows);
  return (
    <div className="reports" data-testid="reports">
      <h1>{t('reports.title')}</h1>
      <form className="panel reports-filter" onSubmit={apply}>
        <fieldset className="reports-kind">
          {(['queues', 'agents'] as const).map((kind) => (
            <label key={kind}>
              <input
                type="radio"
                name="kind"
                value={kind}
                checked={draft.kind === kind}
                onChange={() => setDraft({ ...draft, kind })}
              />
              {t(kind === 'queues' ? 'reports.by_queue' : 'reports.by_agent')}
            </label>
          ))}
        </fieldset>
        <label>
          {t('reports.from')}
          <input
            type="date"
            value={draft.fromDate}
            onChange={(e) => setDraft({ ...draft, fromDate: e.target.value })}
            required
            data-testid="reports-from"
          />
        </label>
        <label>
          {t('reports.to')}
          <input
            type="date"
            value={draft.toDate}
            onChange={(e) => setDraft({ ...draft, toDate: e.target.value })}
            required
            data-testid="reports-to"
          />
        </label>
        <label>
          {t('reports.tz')}
          <input value={draft.tz} onChange={(e) => setDraft({ ...draft, tz: e.target.value })} required />
        </label>
        <label>
          {t('reports.interval')}
          <select
            value={draft.interval}
            onChange={(e) => setDraft({ ...draft, interval: e.target.value === 'hour' ? 'hour' : 'day' })}
          >
            <option value="day">{t('reports.day')}</option>
            <option value="hour">{t('reports.hour')}</option>
          </select>
        </label>
        <label>
          {t('reports.label')}
          <select
            value={draft.labelId}
            onChange={(e) => setDraft({ ...draft, labelId: e.target.value })}
            data-testid="reports-label"
          >
            <option value="">{t('reports.any_label')}</option>
            {(labels.data?.items ?? []).map((label) => (
              <option key={label.id} value={label.id}>
                {label.name}
              </option>
            ))}
          </select>
        </label>
        <div className="reports-buttons">
          <button type="submit" className="primary">
            {t('reports.show')}
          </button>
          <button type="button" onClick={() => void download()} data-testid="reports-csv">
            {t('reports.download_csv')}
          </button>
        </div>
      </form>
      <ErrorMessage error={report.error ?? downloadError} />
      {report.isLoading && !report.data ? <Loading /> : null}
      {report.data && rows.length === 0 ? <Empty>{t('reports.empty')}</Empty> : null}
      {report.data && rows.length > 0 ? (
        <>
          <section className="panel">
            <h2>{t('reports.chart_title')}</h2>
            <VolumeChart series={series} tz={filter.tz} interval={filter.interval} />
          </section>
          <section className="panel">
            <h2>{t('reports.totals')}</h2>
            <ul className="reports-totals" data-testid="reports-totals">
              {totals
                .filter((row) => row.channel === 'all')
                .map((row) => (
                  <TotalsCard key={idOf(row)} row={row} channels={totals.filter((r) => idOf(r) === idOf(row))} />
                ))}
            </ul>
          </section>
        </>
      ) : null}
    </div>
  );
}

function TotalsCard({ row, channels }: { row: ReportRowDto; channels: ReportRowDto[] }) {
  const { t, locale } = useI18n();
  const figures: [string, string, string][] = [
    ['offered', t('reports.offered'), String(row.offered)],
    ['answered', t('reports.answered'), String(row.answered)],
    ['abandoned', t('reports.abandoned'), String(row.abandoned)],
    ['short_abandoned', t('reports.short_abandoned'), String(row.short_abandoned)],
    ['service_level', t('reports.sl'), formatPercent(row.service_level, locale)],
    ['asa', t('reports.asa'), formatSeconds(row.asa_seconds)],
    ['aht', t('reports.aht'), formatSeconds(row.aht_seconds)],
    ['total_handle', t('reports.total_handle'), formatSeconds(row.total_handle_seconds)],
    ['wrap_up', t('reports.wrap_up'), formatSeconds(row.wrap_up_seconds)],
    ['first_response', t('reports.first_response'), formatSeconds(row.first_response_seconds)],
    ['resolution', t('reports.resolution'), formatSeconds(row.resolution_seconds)],
    [
      'csat',
      t('reports.csat'),
      row.csat_average === null ? '—' : `${row.csat_average.toLocaleString(locale)} (${row.csat_count})`,
    ],
  ];
  if ('agent_id' in row) figures.push(['occupancy', t('reports.occupancy'), formatPercent(row.occupancy, locale)]);
  const dispositions = Object.entries(row.dispositions)
    .map(([code, count]) => `${code} ${count}`)
    .join(' · ');
  const perChannel = channels.filter((c) => c.channel !== 'all');
  return (
    <li className="reports-card" data-testid={`reports-total-${idOf(row)}`}>
      <h3>{nameOf(row)}</h3>
      <dl>
        {figures.map(([key, label, value]) => (
          <div key={key} data-figure={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {dispositions ? (
        <p className="small">
          {t('reports.dispositions')}: {dispositions}
        </p>
      ) : null}
      {perChannel.length > 1 ? (
        <p className="muted small">
          {perChannel.map((c) => `${t(`reports.channel.${c.channel}`)} ${c.offered}/${c.answered}`).join(' · ')}
        </p>
      ) : null}
    </li>
  );
}

/** Grouped bars (offered, answered, abandoned) and a service-level line on a 0–100 % right axis. */
function VolumeChart({ series, tz, interval }: { series: SeriesPoint[]; tz: string; interval: 'hour' | 'day' }) {
  const { t, locale } = useI18n();
  const width = 640;
  const height = 220;
  const pad = { top: 12, right: 34, bottom: 30, left: 30 };
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...series.map((p) => p.offered));
  const slot = innerW / Math.max(1, series.length);
  const barW = Math.max(1.5, (slot * 0.8) / 3);
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const ySl = (v: number) => pad.top + innerH - v * innerH;
  const labelEvery = Math.ceil(series.length / 10);
  const line = series
    .map((p, i) => (p.serviceLevel === null ? null : `${pad.left + slot * i + slot / 2},${ySl(p.serviceLevel)}`))
    .filter(Boolean)
    .join(' ');
  const summary = series
    .map(
      (p) =>
        `${bucketLabel(p.bucket, tz, interval, locale)}: ${t('reports.offered')} ${p.offered}, ${t('reports.answered')} ${p.answered}, ${t('reports.abandoned')} ${p.abandoned}, ${t('reports.sl')} ${formatPercent(p.serviceLevel, locale)}`,
    )
    .join('; ');
  return (
    <figure className="chart reports-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} data-testid="reports-chart">
        <title>{t('reports.chart_title')}</title>
        <line x1={pad.left} x2={width - pad.right} y1={y(0)} y2={y(0)} className="grid" />
        <line x1={pad.left} x2={width - pad.right} y1={y(max)} y2={y(max)} className="grid" />
        <text x={pad.left - 4} y={y(max) + 4} textAnchor="end" className="axis">
          {max}
        </text>
        <text x={width - pad.right + 4} y={ySl(1) + 4} className="axis">
          100%
        </text>
        {series.map((p, i) => {
          const x0 = pad.left + slot * i + slot * 0.1;
          return (
            <g key={p.bucket}>
              <rect x={x0} y={y(p.offered)} width={barW} height={y(0) - y(p.offered)} className="rb-offered" />
              <rect
                x={x0 + barW}
                y={y(p.answered)}
                width={barW}
                height={y(0) - y(p.answered)}
                className="rb-answered"
              />
              <rect
                x={x0 + barW * 2}
                y={y(p.abandoned)}
                width={barW}
                height={y(0) - y(p.abandoned)}
                className="rb-abandoned"
              />
              {i % labelEvery === 0 ? (
                <text x={pad.left + slot * i + slot / 2} y={height - 10} textAnchor="middle" className="axis">
                  {bucketLabel(p.bucket, tz, interval, locale)}
                </text>
              ) : null}
            </g>
          );
        })}
        {line ? <polyline points={line} className="rb-sl" fill="none" /> : null}
      </svg>
      <figcaption className="reports-legend">
        <span className="rb-key rb-offered">{t('reports.offered')}</span>
        <span className="rb-key rb-answered">{t('reports.answered')}</span>
        <span className="rb-key rb-abandoned">{t('reports.abandoned')}</span>
        <span className="rb-key rb-sl">{t('reports.sl')}</span>
      </figcaption>
    </figure>
  );
}
