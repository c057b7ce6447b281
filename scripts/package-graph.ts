import { globSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

/** One workspace package as far as the graph cares: its name and the workspace packages it names. */
export type WorkspacePackage = { name: string; dir: string; dependsOn: string[] };

const SCOPE = '@agent-ops/';
// Every field pnpm links a workspace package through: a cycle in any of them makes pnpm warn
// and run scripts in an arbitrary order.
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

/**
 * The workspace packages each layer may depend on. contracts is the wire format every process
 * shares (zod only); runtime is the executors' engine on top of it. Services and the testkit
 * are not listed: they may use any package that keeps the graph acyclic.
 */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  '@agent-ops/contracts': [],
  '@agent-ops/runtime': ['@agent-ops/contracts'],
};

/** The packages pnpm-workspace.yaml's globs name (a `!glob` excludes), in path order. */
export function readWorkspace(root: string): WorkspacePackage[] {
  const { packages: globs = [] } = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as {
    packages?: string[];
  };
  const manifests = (patterns: string[]) =>
    new Set(patterns.flatMap((glob) => globSync(join(glob, 'package.json'), { cwd: root })));
  const excluded = manifests(globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)));
  return [...manifests(globs.filter((g) => !g.startsWith('!')))]
    .filter((path) => !excluded.has(path))
    .sort()
    .map((path) => {
      const manifest = JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
      const names = DEPENDENCY_FIELDS.flatMap((field) =>
        Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}),
      );
      return {
        name: String(manifest.name),
        dir: dirname(path),
        dependsOn: [...new Set(names.filter((n) => n.startsWith(SCOPE)))].sort(),
      };
    });
}

/** Each cycle once, as `a -> b -> a`, starting from its alphabetically first package. */
export function findCycles(packages: readonly WorkspacePackage[]): string[] {
  const edges = new Map(packages.map((p) => [p.name, p.dependsOn]));
  const done = new Set<string>();
  const cycles = new Set<string>();
  const visit = (name: string, path: string[]) => {
    const at = path.indexOf(name);
    if (at !== -1) {
      cycles.add(rotate(path.slice(at)));
      return;
    }
    if (done.has(name)) return;
    for (const next of edges.get(name) ?? []) visit(next, [...path, name]);
    done.add(name);
  };
  for (const p of packages) visit(p.name, []);
  return [...cycles].sort();
}

function rotate(cycle: string[]): string {
  const first = cycle.indexOf([...cycle].sort()[0] ?? '');
  const ordered = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...ordered, ordered[0]].join(' -> ');
}

/** Everything wrong with the graph, one sentence each; empty when it is a layered DAG. */
export function graphProblems(packages: readonly WorkspacePackage[]): string[] {
  const known = new Set(packages.map((p) => p.name));
  const problems: string[] = [];
  for (const p of packages) {
    for (const dep of p.dependsOn.filter((d) => !known.has(d)))
      problems.push(`${p.name} (${p.dir}) depends on ${dep}, which is no workspace package`);
    const allowed = LAYERS[p.name];
    if (!allowed) continue;
    const above = p.dependsOn.filter((d) => !allowed.includes(d));
    if (above.length > 0) {
      const may = allowed.length > 0 ? `only ${allowed.join(', ')}` : 'no workspace package';
      problems.push(`${p.name} may depend on ${may}, but depends on ${above.join(', ')}`);
    }
  }
  for (const cycle of findCycles(packages)) problems.push(`dependency cycle: ${cycle}`);
  return problems;
}
