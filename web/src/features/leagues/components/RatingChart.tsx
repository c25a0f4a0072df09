//! The rating history line (uPlot, loaded only on the participant page).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HistoryPoint } from '@/lib/api-types';

export default function RatingChart({ points, label, locale }: { points: HistoryPoint[]; label: string; locale: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || points.length === 0) return;
    const css = getComputedStyle(document.documentElement);
    const stroke = css.getPropertyValue('--accent').trim() || '#0b5cad';
    const text = css.getPropertyValue('--text').trim() || '#1a1a1a';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';
    const xs = points.map((p) => new Date(p.played_at).getTime() / 1000);
    const ys = points.map((p) => p.display_rating);
    const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
    const df = new Intl.DateTimeFormat(locale, { dateStyle: 'short' });
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 260,
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [
          { ...axis, values: (_u, vals) => vals.map((v) => df.format(new Date(v * 1000))) },
          { ...axis, values: (_u, vals) => vals.map((v) => nf.format(v)), size: 60 },
        ],
        series: [{}, { label, stroke, width: 2, points: { show: points.length < 60 } }],
      },
      [xs, ys],
      el,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [points, label, locale]);
  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
