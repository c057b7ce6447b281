// CI: the workspace's @agent-ops/* dependencies form a layered graph without cycles.
// Usage: node scripts/check-package-graph.ts (exit 1, naming each problem, when they do not).
import { join } from 'node:path';
import { graphProblems, readWorkspace } from './package-graph.ts';

const packages = readWorkspace(join(import.meta.dirname, '..'));
const problems = graphProblems(packages);
if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`check-package-graph: ${problem}\n`);
  process.exit(1);
}
process.stdout.write(`check-package-graph: ${packages.length} packages, no cycle, layers kept\n`);
