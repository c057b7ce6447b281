/** The intents `pnpm start` produces: one of each outcome a new user should see. */
export function demoIntents(): Array<{ label: string; key: string | null; fields: string[] }> {
  const day = new Date().toISOString().slice(0, 10);
  const intent = (key: string, text: string, extra: Record<string, unknown> = {}) => ({
    label: `x.post ${key}`,
    key,
    fields: [
      'intent',
      JSON.stringify({
        v: 1,
        idempotencyKey: key,
        action: 'x.post',
        account: 'antifund',
        payload: { text },
        meta: { source: 'demo' },
        ...extra,
      }),
    ],
  });
  return [
    intent(`launch-${day}`, `We are live (${day})`),
    {
      ...intent(`launch-${day}`, `We are live (${day})`),
      label: `x.post launch-${day} again: the same key, no second post`,
    },
    intent(`thanks-${day}`, 'Thank you to everyone who helped'),
    {
      ...intent(`stranger-${day}`, 'from an account without credentials'),
      label: 'x.post for an unknown account: rejected',
    },
    {
      label: 'a malformed entry: deadlettered with a reason',
      key: null,
      fields: ['intent', '{"v":1,"idempotencyKey":"has spaces"}'],
    },
  ].map((i, n) => (n === 3 ? { ...i, fields: i.fields.map((f) => f.replace('"antifund"', '"nobody"')) } : i));
}
