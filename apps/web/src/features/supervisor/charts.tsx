/**
 * Plain SVG charts for the statistics. Each carries a text summary for screen readers and
 * scales to its container (viewBox, width 100%).
 */

export interface HourBar {
  label: string;
  total: number;
  answered: number;
}

export function HourlyBars({ bars, title, legend }: { bars: HourBar[]; title: string; legend: [string, string] }) {
  const width = 640;
  const height = 200;
  const padding = { top: 10, right: 8, bottom: 28, left: 28 };
  const max = Math.max(1, ...bars.map((bar) => bar.total));
  const innerWidth = width - padding.left - padding.right;
  const innerHeight = height - padding.top - padding.bottom;
  const slot = bars.length > 0 ? innerWidth / bars.length : innerWidth;
  const barWidth = Math.max(2, slot * 0.7);
  const y = (value: number) => padding.top + innerHeight - (value / max) * innerHeight;
  const ticks = niceTicks(max);
  const labelEvery = Math.ceil(bars.length / 12);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} data-testid="chart-hourly">
        <title>{title}</title>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={padding.left} x2={width - padding.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={padding.left - 4} y={y(tick) + 4} textAnchor="end" className="axis">
              {tick}
            </text>
          </g>
        ))}
        {bars.map((bar, index) => {
          const x = padding.left + index * slot + (slot - barWidth) / 2;
          return (
            <g key={bar.label}>
              <rect x={x} y={y(bar.total)} width={barWidth} height={y(0) - y(bar.total)} className="bar-total">
                <title>{`${bar.label}: ${bar.total} / ${bar.answered}`}</title>
              </rect>
              <rect
                x={x}
                y={y(bar.answered)}
                width={barWidth}
                height={y(0) - y(bar.answered)}
                className="bar-answered"
              />
              {index % labelEvery === 0 ? (
                <text x={x + barWidth / 2} y={height - 10} textAnchor="middle" className="axis">
                  {bar.label}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span className="swatch bar-total" /> {legend[0]} <span className="swatch bar-answered" /> {legend[1]}
      </figcaption>
    </figure>
  );
}

export function RateGauge({ rate, label }: { rate: number; label: string }) {
  const radius = 52;
  const circumference = 2 * Math.PI * radius;
  const clamped = Math.min(1, Math.max(0, rate));
  return (
    <figure className="chart gauge">
      <svg viewBox="0 0 140 140" role="img" aria-label={label} data-testid="chart-answer-rate">
        <title>{label}</title>
        <circle cx="70" cy="70" r={radius} className="gauge-track" />
        {clamped > 0 ? (
          <circle
            cx="70"
            cy="70"
            r={radius}
            className="gauge-value"
            strokeDasharray={`${clamped * circumference} ${circumference}`}
            transform="rotate(-90 70 70)"
          />
        ) : null}
        <text x="70" y="78" textAnchor="middle" className="gauge-text">
          {Math.round(clamped * 100)}%
        </text>
      </svg>
    </figure>
  );
}

export interface AgentBar {
  label: string;
  value: number;
  display: string;
}

export function AgentBars({ bars, title }: { bars: AgentBar[]; title: string }) {
  const rowHeight = 26;
  const width = 640;
  const labelWidth = 160;
  const height = Math.max(rowHeight, bars.length * rowHeight) + 4;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const scale = (value: number) => (value / max) * (width - labelWidth - 70);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} data-testid="chart-talk-time">
        <title>{title}</title>
        {bars.map((bar, index) => {
          const y = index * rowHeight + 2;
          return (
            <g key={`${bar.label}-${index}`}>
              <text x={labelWidth - 6} y={y + 16} textAnchor="end" className="axis">
                {bar.label.length > 22 ? `${bar.label.slice(0, 21)}…` : bar.label}
              </text>
              <rect
                x={labelWidth}
                y={y + 3}
                width={Math.max(1, scale(bar.value))}
                height={rowHeight - 8}
                className="bar-answered"
              />
              <text x={labelWidth + scale(bar.value) + 6} y={y + 16} className="axis">
                {bar.display}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** Up to five round tick values from 0 to at least `max`. */
export function niceTicks(max: number): number[] {
  if (max <= 0) return [0];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) ?? magnitude * 10;
  const stepInt = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let value = 0; value <= max + stepInt - 1 && ticks.length < 6; value += stepInt) ticks.push(value);
  return ticks;
}
