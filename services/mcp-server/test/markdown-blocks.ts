import { parse as parseYaml } from 'yaml';

/** The YAML front matter of a SKILL.md: its raw lines and the parsed value. */
export function frontMatter(markdown: string): { raw: string; data: Record<string, unknown> } {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  if (!match?.[1]) throw new Error('no YAML front matter (--- ... ---) at the top');
  return { raw: match[1], data: parseYaml(match[1]) as Record<string, unknown> };
}

/** Every fenced block of one language, in document order. */
export function fencedBlocks(markdown: string, language: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  for (const m of markdown.matchAll(re)) out.push(m[1] ?? '');
  return out;
}

/** A `##` section of a markdown file, from its heading to the next `##` heading or the end. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no "## ${heading}" section`);
  const rest = markdown.slice(start + 1);
  const next = rest.slice(3).search(/^## /m);
  return next < 0 ? rest : rest.slice(0, next + 3);
}
