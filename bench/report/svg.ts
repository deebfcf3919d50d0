/**
 * A small line chart in hand-written SVG (no dependency): log or linear axes, several
 * series with labelled points, a legend. Used for the recovery and the latency charts.
 * @module
 */

/** One series of a {@link lineChart}. */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number; readonly label?: string }[];
  /** Dashed line. */
  readonly dashed?: boolean;
}

/** An axis: log10 or linear, with optional fixed ticks. */
export interface ChartAxis {
  readonly label: string;
  readonly log: boolean;
  /** Tick positions and their text; by default decades (log) or five steps (linear). */
  readonly ticks?: readonly { readonly at: number; readonly text: string }[];
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  readonly title: string;
  readonly x: ChartAxis;
  readonly y: ChartAxis;
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
}

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function scale(axis: ChartAxis, values: readonly number[], from: number, to: number) {
  const positive = axis.log ? values.filter((value) => value > 0) : values;
  const tickValues = axis.ticks?.map((tick) => tick.at) ?? [];
  const all = [...positive, ...tickValues];
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (axis.log) {
    min = Math.floor(Math.log10(min));
    max = Math.max(Math.ceil(Math.log10(max)), min + 1);
  } else {
    if (axis.ticks === undefined) min = Math.min(0, min);
    if (max === min) max = min + 1;
  }
  const map = (value: number) => {
    const v = axis.log ? Math.log10(Math.max(value, 10 ** min)) : value;
    return from + ((v - min) / (max - min)) * (to - from);
  };
  const ticks =
    axis.ticks ??
    (axis.log
      ? Array.from({ length: max - min + 1 }, (_, index) => {
          const at = 10 ** (min + index);
          return { at, text: at >= 1 ? at.toLocaleString('en-US') : String(at) };
        })
      : Array.from({ length: 6 }, (_, index) => {
          const at = min + ((max - min) * index) / 5;
          return { at, text: Number(at.toPrecision(3)).toLocaleString('en-US') };
        }));
  return { map, ticks };
}

/** Renders the chart as an SVG document. */
export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const margin = { left: 80, right: 20, top: 40, bottom: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = options.series.flatMap((series) => series.points);
  const x = scale(
    options.x,
    points.map((p) => p.x),
    margin.left,
    margin.left + plotW,
  );
  const y = scale(
    options.y,
    points.map((p) => p.y),
    margin.top + plotH,
    margin.top,
  );
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
  ];
  for (const tick of y.ticks) {
    const yy = y.map(tick.at).toFixed(1);
    parts.push(`<line x1="${margin.left}" y1="${yy}" x2="${width - margin.right}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeXml(tick.text)}</text>`);
  }
  for (const tick of x.ticks) {
    const xx = x.map(tick.at).toFixed(1);
    parts.push(`<line x1="${xx}" y1="${margin.top}" x2="${xx}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${xx}" y="${margin.top + plotH + 18}" text-anchor="middle">${escapeXml(tick.text)}</text>`);
  }
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 18}" text-anchor="middle">${escapeXml(options.x.label)}</text>`);
  parts.push(
    `<text x="16" y="${margin.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${margin.top + plotH / 2})">${escapeXml(options.y.label)}</text>`,
  );
  parts.push(
    `<line x1="${margin.left}" y1="${margin.top + plotH}" x2="${width - margin.right}" y2="${margin.top + plotH}" stroke="#333"/>`,
  );
  parts.push(`<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${margin.top + plotH}" stroke="#333"/>`);
  options.series.forEach((series, index) => {
    const path = series.points.map((p) => `${x.map(p.x).toFixed(1)},${y.map(p.y).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const p of series.points) {
      parts.push(`<circle cx="${x.map(p.x).toFixed(1)}" cy="${y.map(p.y).toFixed(1)}" r="3.5" fill="${series.color}"/>`);
      if (p.label) {
        parts.push(
          `<text x="${(x.map(p.x) + 6).toFixed(1)}" y="${(y.map(p.y) - 6).toFixed(1)}" fill="${series.color}" font-size="10">${escapeXml(p.label)}</text>`,
        );
      }
    }
    const ly = margin.top + 8 + index * 18;
    parts.push(
      `<line x1="${margin.left + 12}" y1="${ly}" x2="${margin.left + 36}" y2="${ly}" stroke="${series.color}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${margin.left + 42}" y="${ly}" dominant-baseline="middle">${escapeXml(series.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
