// Plain JavaScript on purpose: a Node older than 22.18 cannot load a .ts file at all (it
// fails with ERR_UNKNOWN_FILE_EXTENSION), so the check that says which Node is needed has to
// run before any TypeScript is loaded. Every service's `main.mjs` goes through here.
import * as nodeModule from 'node:module';

/** The first Node that strips types without a flag; `engines` in package.json says the same. */
export const NODE_FLOOR = '22.18.0';

function atLeast(version, floor) {
  const a = version.split('.').map(Number);
  const b = floor.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/**
 * Checks the Node floor, turns on Node's compile cache (parsed and type-stripped modules are
 * kept on disk, so a restart skips most of the start-up work), then runs the entry.
 */
export async function launch(entry, name) {
  if (!atLeast(process.versions.node, NODE_FLOOR)) {
    process.stderr.write(
      `${name} needs Node ${NODE_FLOOR} or newer (it runs TypeScript through Node's type stripping); ` +
        `this is Node ${process.versions.node} at ${process.execPath}. ` +
        'Put a newer Node first on PATH (the README says how) or run it by its absolute path.\n',
    );
    process.exit(1);
  }
  if (process.env.NODE_DISABLE_COMPILE_CACHE === undefined) nodeModule.enableCompileCache?.();
  await import(entry);
}
