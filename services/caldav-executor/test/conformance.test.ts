import { join } from 'node:path';
import { conformanceSuite, fakeControls } from '@agent-ops/testkit/conformance';
import { FaultProxy } from '@agent-ops/testkit/fault-proxy';
import { writeSecretsFile } from '@agent-ops/testkit/processes';
import { startRadicale } from '@agent-ops/testkit/radicale';

/** ICS lines are folded at 75 octets (RFC 5545 §3.1): unfold before looking for a value. */
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, '');

conformanceSuite({
  channel: 'caldav',
  entry: join(import.meta.dirname, '..', 'src', 'main.ts'),
  // The object's URL comes from the key: a takeover reads it back, or safely PUTs again (412).
  takeover: 'reconciles',
  intent: (key, marker) => ({
    v: 1,
    idempotencyKey: key,
    action: 'caldav.create',
    account: 'acme',
    payload: {
      summary: marker,
      start: { dateTime: '2026-12-01T10:00:00Z' },
      end: { dateTime: '2026-12-01T10:30:00Z' },
    },
  }),
  startFake: async () => {
    // The real server, Debian's radicale, behind a proxy that injects what radicale cannot.
    const radicale = await startRadicale({ ada: 'app-specific-password-1' });
    const collection = await radicale.makeCalendar('ada', 'work');
    const proxy = await new FaultProxy(radicale.url, { method: 'PUT', path: /\.ics$/ }).start();
    const secrets = writeSecretsFile({
      accounts: {
        acme: {
          caldav: {
            username: 'ada',
            password: 'app-specific-password-1',
            calendars: { default: { url: collection.replace(radicale.url, `${proxy.url}/`) } },
            timeoutMs: 5000,
          },
        },
      },
    });
    const creations = () => proxy.calls.filter((c) => c.method === 'PUT' && c.acted);
    return {
      env: { OPS_SECRETS_FILE: secrets },
      fake: {
        effects: (marker) =>
          creations().filter((c) => unfold(c.body).includes(`\r\nSUMMARY:${marker}\r\n`)).length,
        effectTimes: () => creations().map((c) => c.actedAt ?? c.at),
        attempts: () => proxy.calls.filter((c) => c.method === 'PUT').length,
        inject: (kind) => proxy.inject({ kind }),
        ...fakeControls(proxy),
        stop: async () => {
          await proxy.stop();
          await radicale.stop();
        },
      },
    };
  },
});
