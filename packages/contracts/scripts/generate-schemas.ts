// Writes packages/contracts/schemas/*.json from the zod schemas; a test fails when they drift.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemas, renderSchema } from '../src/json-schemas.ts';

const dir = join(import.meta.dirname, '..', 'schemas');
const schemas = jsonSchemas();
for (const file of readdirSync(dir)) {
  if (file.endsWith('.json') && !(file.slice(0, -5) in schemas)) rmSync(join(dir, file));
}
for (const [name, schema] of Object.entries(schemas)) {
  writeFileSync(join(dir, `${name}.json`), renderSchema(schema));
}
console.log(`wrote ${Object.keys(schemas).length} schemas to ${dir}`);
