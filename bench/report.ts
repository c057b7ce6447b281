export type Row = {
  what: string;
  figure: string;
  baseline: string;
  ratio: string;
};

export type Machine = { cpu: string; cores: number; node: string; redis: string; os: string };

export function fmtRate(perSec: number): string {
  return perSec >= 10_000 ? `${(perSec / 1000).toFixed(1)}k/s` : `${Math.round(perSec)}/s`;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(2)} ms`;
}

export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}x`;
}

export function markdown(machine: Machine, rows: readonly Row[], notes: readonly string[]): string {
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}, Redis ${machine.redis}`,
    '',
    '| what | figure | baseline (same run) | ratio |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.figure} | ${r.baseline} | ${r.ratio} |`),
  ];
  if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
