/** One bar: a label and stacked values, in the order of the chart's series. */
export interface Bar {
  label: string;
  values: number[];
}

const HEIGHT = 180;
const TOP = 16;
const BOTTOM = 28;
const LEFT = 56;
const SLOT = 56;

/**
 * A stacked bar chart in SVG (no charting library: a few dozen bars need none). Each bar's
 * values are listed in a <title> for hover and for screen readers.
 * @example
 * <BarChart label="Tokens by day" series={["input", "output"]} bars={[{ label: "06-01", values: [10, 4] }]} />
 */
export function BarChart({
  label,
  series,
  bars,
  seriesClasses,
}: {
  label: string;
  series: string[];
  bars: Bar[];
  /** A class per series, for colours that follow a series' meaning; default `series-<index>`. */
  seriesClasses?: string[];
}) {
  const classOf = (k: number) => seriesClasses?.[k] ?? `series-${k}`;
  const max = Math.max(1, ...bars.map((b) => b.values.reduce((a, v) => a + v, 0)));
  const plot = HEIGHT - TOP - BOTTOM;
  const width = LEFT + bars.length * SLOT + 8;
  const y = (v: number) => TOP + plot - (v / max) * plot;
  return (
    // Focusable: a chart wider than the screen scrolls, and a keyboard must be able to scroll it.
    <figure className="bar-chart" tabIndex={0}>
      <svg role="img" aria-label={label} viewBox={`0 0 ${width} ${HEIGHT}`} width={width} height={HEIGHT}>
        <line x1={LEFT} x2={width} y1={y(0)} y2={y(0)} className="axis" />
        <line x1={LEFT} x2={width} y1={y(max)} y2={y(max)} className="grid" />
        <text x={LEFT - 6} y={y(max) + 4} textAnchor="end" className="tick">
          {max.toLocaleString()}
        </text>
        <text x={LEFT - 6} y={y(0) + 4} textAnchor="end" className="tick">
          0
        </text>
        {bars.map((bar, i) => {
          let base = 0;
          const x = LEFT + i * SLOT + 10;
          return (
            <g key={bar.label}>
              <title>{`${bar.label}: ${series.map((s, k) => `${(bar.values[k] ?? 0).toLocaleString()} ${s}`).join(", ")}`}</title>
              {bar.values.map((v, k) => {
                const top = y(base + v);
                const h = y(base) - top;
                base += v;
                return (
                  <rect key={series[k]} x={x} y={top} width={SLOT - 20} height={h} className={classOf(k)} />
                );
              })}
              <text x={x + (SLOT - 20) / 2} y={HEIGHT - 10} textAnchor="middle" className="tick">
                {bar.label.length > 9 ? `${bar.label.slice(0, 8)}…` : bar.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {series.map((s, k) => (
          <span key={s}>
            <span className={`swatch ${classOf(k)}`} aria-hidden="true" /> {s}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
