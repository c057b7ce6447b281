// @ts-check
// Receipts by status (stacked bars) and intents appended (a line) over the last 15 minutes.

/** @typedef {import('../../src/views.ts').Snapshot} Snapshot */

import { byId, h, svg } from './dom.js';
import { num, oneDecimal } from './format.js';

const W = 600;
const H = 150;
const PAD = { l: 36, r: 8, t: 8, b: 20 };
/** @type {Array<[string, number]>} */
const TICKS = [
  ['−15 min', 0],
  ['−10', 1 / 3],
  ['−5', 2 / 3],
  ['now', 1],
];

/** @param {Snapshot} snapshot */
export function renderChart(snapshot) {
  const { chart } = snapshot;
  const { statuses } = snapshot.catalog;
  const buckets = chart.buckets;
  const n = buckets.length || 1;
  const max = Math.max(
    1,
    ...buckets.map((b) =>
      Math.max(
        b.intents,
        statuses.reduce((a, st) => a + b[st], 0),
      ),
    ),
  );
  const bw = (W - PAD.l - PAD.r) / n;
  /** @param {number} v */
  const y = (v) => H - PAD.b - (v / max) * (H - PAD.t - PAD.b);
  /** @param {import('../../src/views.ts').Catalog['statuses'][number]} st */
  const total = (st) => buckets.reduce((a, b) => a + b[st], 0);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart-svg' });
  const title = svg('title');
  const totals = statuses.map((st) => `${total(st)} ${st}`).join(', ');
  title.textContent = `Receipts per ${chart.bucketMs / 1000} s by status over 15 minutes (${totals}), and intents appended`;
  root.append(title);
  for (const v of [0, max / 2, max]) {
    root.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), class: 'grid' }));
    const t = svg('text', { x: PAD.l - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' });
    t.textContent = oneDecimal(v);
    root.append(t);
  }
  buckets.forEach((b, i) => {
    let base = 0;
    for (const st of statuses) {
      const v = b[st];
      if (!v) continue;
      root.append(
        svg('rect', {
          x: PAD.l + i * bw + 1,
          width: Math.max(1, bw - 2),
          y: y(base + v),
          height: y(base) - y(base + v),
          class: `st-${st}`,
        }),
      );
      base += v;
    }
  });
  const points = buckets.map((b, i) => `${PAD.l + i * bw + bw / 2},${y(b.intents)}`).join(' ');
  root.append(svg('polyline', { points, class: 'intents-line' }));
  for (const [label, frac] of TICKS) {
    const t = svg('text', {
      x: PAD.l + frac * (W - PAD.l - PAD.r),
      y: H - 4,
      'text-anchor': frac === 0 ? 'start' : frac === 1 ? 'end' : 'middle',
      class: 'axis',
    });
    t.textContent = label;
    root.append(t);
  }
  byId('chart').replaceChildren(root);
  const last2 = buckets.slice(-2);
  const rate = last2.reduce((a, b) => a + b.intents, 0) / ((last2.length * chart.bucketMs) / 1000 || 1);
  const legend = [
    h('span', { class: 'lg' }, h('i', { class: 'sw intents' }), `intents: ${oneDecimal(rate)}/s now`),
  ];
  for (const st of statuses)
    legend.push(h('span', { class: 'lg' }, h('i', { class: `sw st-${st}` }), `${st} ${num(total(st))}`));
  if (chart.partial)
    legend.push(h('span', { class: 'muted small' }, '(partial: more than the dashboard reads per second)'));
  byId('chart-legend').replaceChildren(...legend);
}
