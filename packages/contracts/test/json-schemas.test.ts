import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { jsonSchemas, renderSchema } from '../src/json-schemas.ts';
import { README_INTENT, validIntent } from './fixtures.ts';
import { readmeXaddIntents } from './readme-examples.ts';

const dir = join(import.meta.dirname, '..', 'schemas');

function validator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // zod emits these two formats; ajv-formats does not define them.
  ajv.addFormat('base64', /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat('base64url', /^[A-Za-z0-9_-]*$/);
  for (const file of readdirSync(dir)) ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  return ajv;
}

describe('committed JSON Schemas', () => {
  it('match the zod schemas (run `pnpm schemas` after changing a contract)', () => {
    const generated = jsonSchemas();
    const committed = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(committed.sort()).toEqual(
      Object.keys(generated)
        .map((n) => `${n}.json`)
        .sort(),
    );
    for (const [name, schema] of Object.entries(generated)) {
      expect(readFileSync(join(dir, `${name}.json`), 'utf8'), `${name}.json is out of date`).toBe(
        renderSchema(schema),
      );
    }
  });

  it('accept every intent the README shows, with an independent validator (ajv)', () => {
    const examples = readmeXaddIntents();
    expect(examples.length).toBeGreaterThanOrEqual(2);
    const validate = validator().getSchema('https://agent-ops.dev/schemas/intent.json');
    for (const json of examples) {
      expect(validate?.(JSON.parse(json)), JSON.stringify(validate?.errors)).toBe(true);
    }
    expect(validate?.(README_INTENT)).toBe(true);
  });

  it('refuse what the zod schemas refuse', () => {
    const validate = validator().getSchema('https://agent-ops.dev/schemas/intent.json');
    const bad = [
      validIntent({ idempotencyKey: 'has space' }),
      validIntent({ action: 'x.like' }),
      validIntent({ payload: { text: 'a', extra: 1 } }),
      validIntent({ unknown: true }),
      validIntent({ v: 2 }),
      validIntent({ action: 'webhook.call', payload: { endpoint: 'deploy', url: 'http://x' } }),
    ];
    for (const intent of bad) expect(validate?.(intent), JSON.stringify(intent)).toBe(false);
  });

  it('validate each action payload on its own', () => {
    const ajv = validator();
    expect(
      ajv.getSchema('https://agent-ops.dev/schemas/payload.x.reply.json')?.({
        text: 'a',
        inReplyToPostId: '12',
      }),
    ).toBe(true);
    expect(ajv.getSchema('https://agent-ops.dev/schemas/payload.x.delete.json')?.({ postId: 'no' })).toBe(
      false,
    );
  });
});

describe('the intent JSON Schema names the failing field', () => {
  const paths = (intent: unknown) => {
    const validate = validator().getSchema('https://agent-ops.dev/schemas/intent.json');
    expect(validate?.(intent)).toBe(false);
    return (validate?.errors ?? []).map((e) =>
      e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath,
    );
  };

  it('in the payload of the action given, not "any of the given schemas" at the root', () => {
    expect(paths(validIntent({ payload: { text: 42 } }))).toContain('/payload/text');
    expect(paths(validIntent({ payload: {} }))).toContain('/payload/text');
    expect(paths(validIntent({ action: 'x.delete', payload: { postId: 'no' } }))).toContain(
      '/payload/postId',
    );
    expect(paths(validIntent({ idempotencyKey: 'has space' }))).toEqual(['/idempotencyKey']);
    expect(paths(validIntent({ action: 'x.like' }))).toEqual(['/action']);
  });
});
