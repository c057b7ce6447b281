/** Intents used by several tests; each is valid as written. */
export const README_INTENT = {
  v: 1,
  idempotencyKey: 'launch-2026-11-24',
  action: 'x.post',
  account: 'antifund',
  payload: { text: 'hello' },
  notBefore: null,
  expiresAt: null,
  approval: null,
  meta: { source: 'openclaw' },
} as const;

export function validIntent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(README_INTENT), ...overrides };
}
