import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `ops --version`: the package version, and which Node runs it and from where, so that a
 * skill or a person can check in one command that `ops` starts at all on the right Node.
 */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return `ops ${pkg.version} (node ${process.versions.node} at ${process.execPath})`;
}
