import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphProblems, readWorkspace, type WorkspacePackage } from '../package-graph.ts';

const root = join(import.meta.dirname, '..', '..');
const pkg = (name: string, ...dependsOn: string[]): WorkspacePackage => ({
  name: `@agent-ops/${name}`,
  dir: `packages/${name}`,
  dependsOn: dependsOn.map((d) => `@agent-ops/${d}`),
});

describe('the package graph', () => {
  it('of this workspace is layered and has no cycle (the check CI runs)', () => {
    const packages = readWorkspace(root);
    expect(packages.map((p) => p.name)).toEqual(
      expect.arrayContaining(['@agent-ops/contracts', '@agent-ops/runtime', '@agent-ops/testkit']),
    );
    expect(packages.find((p) => p.name === '@agent-ops/contracts')?.dependsOn).toEqual([]);
    expect(graphProblems(packages)).toEqual([]);
    const out = execFileSync(process.execPath, [join(root, 'scripts/check-package-graph.ts')], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/no cycle, layers kept/);
  });

  it('names each cycle once, whichever package the walk starts from', () => {
    const problems = graphProblems([
      pkg('contracts'),
      pkg('testkit', 'contracts', 'runtime'),
      pkg('runtime', 'contracts', 'testkit'),
      pkg('x-executor', 'runtime', 'x-executor'),
    ]);
    expect(problems).toEqual([
      '@agent-ops/runtime may depend on only @agent-ops/contracts, but depends on @agent-ops/testkit',
      'dependency cycle: @agent-ops/runtime -> @agent-ops/testkit -> @agent-ops/runtime',
      'dependency cycle: @agent-ops/x-executor -> @agent-ops/x-executor',
    ]);
  });

  it('keeps contracts free of workspace packages and names a dependency on an unknown one', () => {
    expect(graphProblems([pkg('contracts', 'testkit'), pkg('testkit', 'runtime')])).toEqual([
      '@agent-ops/contracts may depend on no workspace package, but depends on @agent-ops/testkit',
      '@agent-ops/testkit (packages/testkit) depends on @agent-ops/runtime, which is no workspace package',
    ]);
  });

  it('reads every field pnpm links through, from the workspace globs, minus exclusions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-'));
    const write = (path: string, manifest: object) => {
      mkdirSync(join(dir, path), { recursive: true });
      writeFileSync(join(dir, path, 'package.json'), JSON.stringify(manifest));
    };
    writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - libs/*\n  - apps/*\n  - "!apps/old"\n');
    write('libs/a', { name: '@agent-ops/a', dependencies: { zod: '^4' } });
    write('libs/b', { name: '@agent-ops/b', peerDependencies: { '@agent-ops/a': '*' } });
    write('apps/web', {
      name: '@agent-ops/web',
      dependencies: { '@agent-ops/a': 'workspace:*' },
      devDependencies: { '@agent-ops/b': 'workspace:*' },
      optionalDependencies: { '@agent-ops/a': 'workspace:*' },
    });
    write('apps/old', { name: '@agent-ops/old', dependencies: { '@agent-ops/web': 'workspace:*' } });
    expect(readWorkspace(dir)).toEqual([
      { name: '@agent-ops/web', dir: 'apps/web', dependsOn: ['@agent-ops/a', '@agent-ops/b'] },
      { name: '@agent-ops/a', dir: 'libs/a', dependsOn: [] },
      { name: '@agent-ops/b', dir: 'libs/b', dependsOn: ['@agent-ops/a'] },
    ]);
  });
});
