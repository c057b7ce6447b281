/** The demo's intents: one of each kind of outcome a new user should see. */
export function demoIntents(day: string, scheduledAt: string) {
  return [
    {
      label: "x.post by personal: X answers 429; the account's posts wait for its reset",
      intent: {
        v: 1,
        idempotencyKey: `busy-${day}`,
        action: 'x.post',
        account: 'personal',
        payload: { text: `Posted after a rate limit (${day})` },
      },
      rateLimited: true,
    },
    {
      label: 'x.post by personal: after the reset too',
      intent: {
        v: 1,
        idempotencyKey: `hello-${day}`,
        action: 'x.post',
        account: 'personal',
        payload: { text: `Hello from agent-ops (${day})` },
      },
    },
    {
      label: 'x.post by antifund: waits for your approval on the dashboard',
      intent: {
        v: 1,
        idempotencyKey: `launch-${day}`,
        action: 'x.post',
        account: 'antifund',
        payload: { text: `We are live (${day}) <script>alert(1)</script>` },
      },
    },
    {
      label: 'x.post by personal: scheduled a minute ahead',
      intent: {
        v: 1,
        idempotencyKey: `later-${day}`,
        action: 'x.post',
        account: 'personal',
        payload: { text: `Scheduled post (${day})` },
        notBefore: scheduledAt,
      },
    },
    {
      label: 'email.send by acme',
      intent: {
        v: 1,
        idempotencyKey: `welcome-${day}`,
        action: 'email.send',
        account: 'acme',
        payload: { from: 'ops@acme.example', to: ['ada@example.com'], subject: 'Welcome', text: 'Hello Ada' },
      },
    },
    {
      label: 'calendar.create by acme',
      intent: {
        v: 1,
        idempotencyKey: `standup-${day}`,
        action: 'calendar.create',
        account: 'acme',
        payload: {
          summary: 'Standup',
          start: { dateTime: `${day}T09:00:00Z` },
          end: { dateTime: `${day}T09:15:00Z` },
        },
      },
    },
    {
      label: 'webhook.call deploy by acme',
      intent: {
        v: 1,
        idempotencyKey: `deploy-${day}`,
        action: 'webhook.call',
        account: 'acme',
        payload: { endpoint: 'deploy', body: { ref: 'main' } },
      },
    },
  ];
}
