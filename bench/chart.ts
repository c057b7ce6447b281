/** A plain SVG bar chart (no dependencies): one panel per group, bars scaled to the panel's maximum. */
export type Bar = { label: string; value: number; text: string; highlight?: boolean };
export type Panel = { title: string; bars: Bar[] };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function svgChart(title: string, subtitle: string, panels: Panel[]): string {
  const width = 900;
  const labelW = 330;
  const barMax = width - labelW - 120;
  const rowH = 24;
  let y = 70;
  const parts: string[] = [
    `<text x="20" y="32" font-size="20" font-weight="600">${esc(title)}</text>`,
    `<text x="20" y="54" font-size="12" fill="#555">${esc(subtitle)}</text>`,
  ];
  for (const panel of panels) {
    y += 24;
    parts.push(`<text x="20" y="${y}" font-size="14" font-weight="600">${esc(panel.title)}</text>`);
    y += 10;
    const max = Math.max(...panel.bars.map((b) => b.value), 1e-9);
    for (const b of panel.bars) {
      const w = Math.max(1, Math.round((b.value / max) * barMax));
      parts.push(
        `<text x="${labelW - 10}" y="${y + 16}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
        `<rect x="${labelW}" y="${y + 4}" width="${w}" height="${rowH - 8}" fill="${b.highlight ? '#1f6feb' : '#9aa4b2'}" rx="2"/>`,
        `<text x="${labelW + w + 8}" y="${y + 16}" font-size="12">${esc(b.text)}</text>`,
      );
      y += rowH;
    }
  }
  const height = y + 20;
  // A title and role for screen readers; the bars' texts carry every figure.
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><title>${esc(`${title}: ${subtitle}`)}</title><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`;
}
