import { FakeCalendar } from '@agent-ops/testkit/fake-calendar';
import { FakeSmtp } from '@agent-ops/testkit/fake-smtp';
import { FakeWebhook } from '@agent-ops/testkit/fake-webhook';
import { FakeX } from '@agent-ops/testkit/fake-x';

/** The external APIs of the demo: local fakes the real client libraries talk to. */
export async function startDemoFakes() {
  const x = await new FakeX({
    users: {
      'demo-antifund-token': { id: '4242', username: 'antifund', name: 'Antifund' },
      'demo-personal-token': { id: '4343', username: 'me', name: 'Me' },
    },
    latencyMs: 150,
  }).start();
  const smtp = await new FakeSmtp({ users: { ops: 'demo-smtp-password' } }).start();
  const calendar = await new FakeCalendar({
    refreshTokens: { 'demo-refresh-token': 'team@acme.example' },
  }).start();
  const webhook = await new FakeWebhook({ '/hooks/deploy': 'demo-hmac-secret-0123456789' }).start();
  const secrets = {
    accounts: {
      antifund: {
        x: {
          appKey: 'demo',
          appSecret: 'demo-app-secret',
          accessToken: 'demo-antifund-token',
          accessSecret: 'demo-secret',
        },
      },
      personal: { x: { oauth2AccessToken: 'demo-personal-token' } },
      acme: {
        email: {
          smtp: {
            host: '127.0.0.1',
            port: smtp.port,
            tls: 'none',
            user: 'ops',
            password: 'demo-smtp-password',
          },
          allowedFrom: ['ops@acme.example'],
        },
        calendar: {
          clientId: 'demo',
          clientSecret: 'demo-client-secret',
          refreshToken: 'demo-refresh-token',
        },
        webhook: {
          endpoints: {
            deploy: { url: `${webhook.url}/hooks/deploy`, hmacSecret: 'demo-hmac-secret-0123456789' },
          },
        },
      },
    },
  };
  const env = {
    X_API_BASE_URL: x.url,
    GOOGLE_API_ROOT_URL: calendar.rootUrl,
    GOOGLE_OAUTH_TOKEN_URL: calendar.tokenUrl,
  };
  return {
    x,
    smtp,
    calendar,
    webhook,
    secrets,
    env,
    stop: () => Promise.all([x.stop(), smtp.stop(), calendar.stop(), webhook.stop()]),
  };
}
