#!/usr/bin/env node
// Prints a stable idempotency key for one decision. Self-contained (node:crypto only) so the
// skill works wherever it is installed; it is the same algorithm as deriveIdempotencyKey in
// packages/contracts/src/idempotency-key.ts, and a test holds the two to the same output.
//
//   node derive-key.mjs --account personal --action x.post --slug "launch 2026-11-24" --content '{"text":"..."}'
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

function canonicalJson(value) {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value) {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const key of Object.keys(value).sort()) {
      if (value[key] !== undefined) out[key] = sortDeep(value[key]);
    }
    return out;
  }
  return value;
}

function slugify(text, max = 60) {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return ascii.slice(0, max).replace(/-+$/, '');
}

function keyPart(text, max) {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, max) || 'none';
}

export function deriveIdempotencyKey({ account, action, slug, content }) {
  const hash = createHash('sha256')
    .update(canonicalJson({ v: 1, account, action, slug, content: content ?? null }))
    .digest('hex')
    .slice(0, 16);
  return `${keyPart(action, 32)}:${keyPart(account, 64)}:${slugify(slug) || 'intent'}:${hash}`;
}

// Run as a command (not imported by the parity test). Node 20 has no import.meta.main.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        account: { type: 'string' },
        action: { type: 'string' },
        slug: { type: 'string' },
        content: { type: 'string', default: 'null' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`derive-key: ${err.message}\n`);
    process.exit(2);
  }
  for (const name of ['account', 'action', 'slug']) {
    if (!values[name]) {
      process.stderr.write(`derive-key: --${name} is required\n`);
      process.exit(2);
    }
  }
  let content;
  try {
    content = JSON.parse(values.content);
  } catch {
    process.stderr.write('derive-key: --content: not valid JSON\n');
    process.exit(2);
  }
  process.stdout.write(`${deriveIdempotencyKey({ ...values, content })}\n`);
}
